import { type Route, route } from '../edge/route.js';
import type { Logger } from '../logger.js';
import { createGraphQLFastPath, type GraphQLAnswer, viaYogaFetch } from './fast-path.js';
import { createGraphQLHandler } from './yoga.js';

/** GraphiQL (development only) is one page of inline script and style: it gets its own, looser policy. */
const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * `/graphql` as an entry of the route table: the edge has already authenticated (cookie or API
 * token), spent the token's limit and read the body within its limit; Yoga (or, for API clients'
 * plain POSTs, the direct path of fast-path.ts) answers.
 */
export function graphqlRoute(options: { logger: Logger; production: boolean; fastPath: boolean }): Route {
  const { logger } = options;
  const yoga = createGraphQLHandler(options);
  const fast = options.fastPath ? createGraphQLFastPath(yoga, logger) : null;
  logger.info({ fastPath: fast !== null }, `GraphQL direct path ${fast ? 'on' : 'off'}`);
  return route({
    method: ['GET', 'POST'],
    path: '/graphql',
    surface: 'graphql',
    auth: { cookie: true, token: true, required: false },
    limit: { source: 'graphql' },
    rawBody: true,
    compress: true,
    handle: async ({ req, ctx, rawBody }): Promise<GraphQLAnswer> => {
      if (fast && rawBody !== null && ctx.principal.kind === 'token' && fast.accepts(req))
        return fast.handle(req, ctx, rawBody);
      const answer = await viaYogaFetch(yoga, req, ctx, rawBody);
      if (String(answer.headers['content-type'] ?? '').startsWith('text/html'))
        answer.headers['content-security-policy'] = GRAPHIQL_CSP;
      return answer;
    },
  });
}
