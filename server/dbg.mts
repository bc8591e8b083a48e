import { bootKeyward } from './src/boot.js';
import { loadConfig } from './src/config.js';
import { createLogger } from './src/logger.js';

const k = await bootKeyward(
  loadConfig({ ...process.env, PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/keyward_dev' }),
  createLogger('error'),
);
const r = await fetch(`${k.url}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: 'mutation { login(input:{email:"x@y.z", password:"whatever1"}) { id } }' }),
  signal: AbortSignal.timeout(3000),
}).catch((e) => e);
console.log(r instanceof Error ? r.message : await r.text());
await k.stop();
process.exit(0);
