/** The GraphQL reference: stock graphql-yoga (defaults), a trivial schema, no authentication. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { announce } from './ipc.js';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Viewer { id: ID! } type Query { viewer: Viewer }',
    resolvers: { Query: { viewer: () => ({ id: '00000000-0000-4000-8000-000000000000' }) } },
  }),
  logging: false,
});

const server = createServer(yoga);
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  announce((server.address() as AddressInfo).port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
