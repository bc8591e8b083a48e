#!/usr/bin/env node
// Launcher for the `keyward` bin: the built CLI when there is one (the published package), else the
// TypeScript sources through tsx, so `npx keyward` works in the repository right after `npm install`.
import { existsSync } from 'node:fs';

// First thing: on Linux this overwrites the argument area, so `ps` and /proc/<pid>/cmdline show
// `keyward` instead of the arguments (which may hold --token <secret>).
process.title = 'keyward';

const built = new URL('../dist/index.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/index.ts', import.meta.url).href);
}
