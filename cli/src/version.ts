import { readFileSync } from 'node:fs';

/** The package version, read from cli/package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
      return pkg.version;
    }
  } catch {
    // Fall through: a missing package.json must not stop the CLI.
  }
  return '0.0.0';
}
