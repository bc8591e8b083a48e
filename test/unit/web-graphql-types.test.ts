/**
 * The admin app's GraphQL operations are typed from schema.graphql: the generated introspection is
 * current, `tsc` refuses a query that selects a field the schema does not have, and `gql.tada check`
 * (part of `npm run typecheck`) fails when a schema change breaks one of the app's own queries.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const WEB_DIR = path.resolve(import.meta.dirname, '../../web');
const ROOT = path.resolve(WEB_DIR, '..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const GQL_TADA = path.join(ROOT, 'node_modules/gql.tada/bin/cli.js');
const SLOW = 120_000;

const probeDir = mkdtempSync(path.join(os.tmpdir(), 'keyward-web-types-probe-'));
afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

async function exitOf(command: Promise<unknown>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = (await command) as { stdout: string; stderr: string };
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** A module that sends `query` through the app's request function. */
function probe(query: string): string {
  const source = JSON.stringify(path.join(WEB_DIR, 'src/lib/graphql'));
  return [
    `import { graphql, request } from ${source};`,
    `const document = graphql(\`${query}\`);`,
    'export const sent = request(document, {});',
    '',
  ].join('\n');
}

/**
 * A copy of web/src checked by `gql.tada check` against `schema` (the plugin reads the schema
 * named in the tsconfig next to the sources).
 */
function appCopy(name: string, schema: string): string {
  const dir = path.join(probeDir, name);
  cpSync(path.join(WEB_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'schema.graphql'), schema);
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(WEB_DIR, 'tsconfig.json'),
      compilerOptions: {
        plugins: [
          {
            name: 'gql.tada/ts-plugin',
            schema: './schema.graphql',
            tadaOutputLocation: './src/graphql-env.d.ts',
          },
        ],
      },
      include: ['src'],
    }),
  );
  return dir;
}

const checkApp = (dir: string) =>
  exitOf(
    run(process.execPath, [GQL_TADA, 'check', '--tsconfig', path.join(dir, 'tsconfig.json')], { cwd: dir }),
  );

describe('web GraphQL types', () => {
  it(
    'web/src/graphql-env.d.ts matches schema.graphql (regenerate with npm run schema:print)',
    async () => {
      const fresh = path.join(probeDir, 'graphql-env.d.ts');
      await run(process.execPath, [GQL_TADA, 'generate-output', '--output', fresh], { cwd: WEB_DIR });
      const committed = readFileSync(path.join(WEB_DIR, 'src/graphql-env.d.ts'), 'utf8');
      expect(readFileSync(fresh, 'utf8')).toBe(committed);
    },
    SLOW,
  );

  it(
    'tsc refuses a query with a field the schema does not have, and accepts the valid one',
    async () => {
      const dir = path.join(probeDir, 'tsc');
      cpSync(path.join(WEB_DIR, 'package.json'), path.join(dir, 'package.json'));
      writeFileSync(path.join(dir, 'valid.ts'), probe('query { viewer { email plan } }'));
      writeFileSync(path.join(dir, 'broken.ts'), probe('query { viewer { email favouriteColour } }'));
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: path.join(WEB_DIR, 'tsconfig.json'),
          compilerOptions: { types: [], plugins: [] },
          include: ['valid.ts', 'broken.ts'],
        }),
      );
      const result = await exitOf(run(process.execPath, [TSC, '--noEmit', '-p', dir], { cwd: dir }));
      expect(result.code).not.toBe(0);
      const errorFiles = [...result.output.matchAll(/^(\S+?\.ts)\(\d+,\d+\): error/gm)].map((m) =>
        path.basename(m[1] ?? ''),
      );
      expect(new Set(errorFiles), result.output).toEqual(new Set(['broken.ts']));
      expect(result.output).toContain('not in schema.graphql');
    },
    SLOW,
  );

  it(
    "gql.tada check fails when a schema change breaks one of the app's queries, and passes on the real schema",
    async () => {
      const schema = readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8');
      expect(schema).toMatch(/^ {2}displayPrefix: String!$/m);
      const renamed = schema.replace(/^ {2}displayPrefix: String!$/m, '  shownPrefix: String!');

      const [broken, current] = await Promise.all([
        checkApp(appCopy('renamed-field', renamed)),
        checkApp(appCopy('current', schema)),
      ]);
      expect(broken.code, broken.output).not.toBe(0);
      expect(broken.output).toContain('Cannot query field "displayPrefix" on type "Token"');
      expect(current.code, current.output).toBe(0);
    },
    SLOW,
  );
});
