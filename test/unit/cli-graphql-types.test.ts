/**
 * The CLI's GraphQL operations are typed from schema.graphql: the generated introspection is
 * current, and `tsc` refuses a query that selects a field the schema does not have.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI_DIR = path.resolve(import.meta.dirname, '../../cli');
const TSC = path.resolve(CLI_DIR, '../node_modules/typescript/bin/tsc');
const GQL_TADA = path.resolve(CLI_DIR, '../node_modules/gql.tada/bin/cli.js');
const SLOW = 120_000;

const probeDir = mkdtempSync(path.join(os.tmpdir(), 'keyward-types-probe-'));
const source = (file: string) => JSON.stringify(path.join(CLI_DIR, 'src', file));

afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

/** A module that sends `query` through the CLI's API client. */
function probe(query: string): string {
  return [
    `import { createApiClient } from ${source('api.js')};`,
    `import { graphql } from ${source('graphql.js')};`,
    `const document = graphql(\`${query}\`);`,
    "export const sent = createApiClient('http://localhost:4000').graphql(document, {}, null);",
    '',
  ].join('\n');
}

async function exitOf(command: Promise<unknown>): Promise<{ code: number; output: string }> {
  try {
    await command;
    return { code: 0, output: '' };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('CLI GraphQL types', () => {
  it(
    'graphql-env.d.ts matches schema.graphql (regenerate with npm run schema:print)',
    async () => {
      const fresh = path.join(probeDir, 'graphql-env.d.ts');
      await run(process.execPath, [GQL_TADA, 'generate-output', '--output', fresh], { cwd: CLI_DIR });
      const committed = readFileSync(path.join(CLI_DIR, 'src/graphql-env.d.ts'), 'utf8');
      expect(readFileSync(fresh, 'utf8')).toBe(committed);
    },
    SLOW,
  );

  it(
    'tsc refuses a query with a field the schema does not have, and accepts the valid one',
    async () => {
      writeFileSync(path.join(probeDir, 'package.json'), '{ "type": "module" }');
      writeFileSync(path.join(probeDir, 'valid.ts'), probe('query { viewer { email plan } }'));
      writeFileSync(path.join(probeDir, 'broken.ts'), probe('query { viewer { email favouriteColour } }'));
      writeFileSync(
        path.join(probeDir, 'tsconfig.json'),
        JSON.stringify({
          extends: path.resolve(CLI_DIR, '../tsconfig.base.json'),
          compilerOptions: { types: ['node'], typeRoots: [path.resolve(CLI_DIR, '../node_modules/@types')] },
          include: ['valid.ts', 'broken.ts'],
        }),
      );
      const result = await exitOf(run(process.execPath, [TSC, '--noEmit', '-p', probeDir], { cwd: CLI_DIR }));
      expect(result.code).not.toBe(0);
      const errorFiles = [...result.output.matchAll(/^(\S+?\.ts)\(\d+,\d+\): error/gm)].map((m) =>
        path.basename(m[1] ?? ''),
      );
      expect(errorFiles.length).toBeGreaterThan(0);
      expect(new Set(errorFiles), result.output).toEqual(new Set(['broken.ts']));
      expect(result.output).toContain('not in schema.graphql');
    },
    SLOW,
  );
});
