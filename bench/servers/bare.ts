/**
 * The reference: a bare node:http server answering every request with a small JSON body shaped
 * like Keyward's whoami answer (serialised per request, as a real handler would).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce } from './ipc.js';

const body = {
  account: {
    id: '00000000-0000-4000-8000-000000000000',
    email: 'bench@example.com',
    name: 'Bench',
    plan: 'team',
  },
  token: {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'bench',
    displayPrefix: 'kw_000000000',
    permissions: ['account:read', 'tokens:read'],
    expiresAt: null,
  },
  entitlements: { proComponents: true },
};

const server = createServer((_req, res) => {
  const payload = JSON.stringify(body);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
  });
  res.end(payload);
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  announce((server.address() as AddressInfo).port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
