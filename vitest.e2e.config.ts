import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Browser tests (`npm run test:e2e`): the production build of the admin app, served by a real
 * Keyward on a random port, driven through Debian's Chromium with playwright-core.
 */
export default defineConfig({
  resolve: {
    // The same single graphql copy as vitest.config.ts (see there).
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // Build web/dist once, then start PostgreSQL and migrate the template database.
    globalSetup: ['test/e2e/build-web.ts', 'test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    // One browser at a time: the files share a machine, not state.
    fileParallelism: false,
    env: { NODE_ENV: 'test' },
  },
});
