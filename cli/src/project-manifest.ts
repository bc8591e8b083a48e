/**
 * `keyward.json` in the project folder (the working directory): what `keyward add` installed, so
 * `keyward update` can fetch the same items again. Each file's SHA-256 at install time lets update
 * tell a file the user changed from one it may safely replace.
 */
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isRecord } from './api.js';
import { CliError, errorMessage } from './errors.js';
import { readOptionalFile } from './read-file.js';

export const MANIFEST_FILE = 'keyward.json';

export type ItemType = 'component' | 'block';

export interface InstalledItem {
  slug: string;
  type: ItemType;
  /** The output directory as given to `add` (relative to the project folder unless absolute). */
  out: string;
  version?: string;
  /** Relative file path → SHA-256 (hex) of the content written. */
  files: Record<string, string>;
}

export interface ProjectManifest {
  installed: InstalledItem[];
}

export function manifestPath(projectDir: string = process.cwd()): string {
  return path.join(projectDir, MANIFEST_FILE);
}

export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The manifest, or null when the project has none. A malformed file is an error, never "empty". */
export function readManifest(file: string = manifestPath()): ProjectManifest | null {
  const text = readOptionalFile(file);
  if (text === null) return null;
  const bad = (why: string) => new CliError(`${file} is not a keyward manifest: ${why}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.installed)) throw bad('no "installed" list');
  const installed = parsed.installed.map((entry: unknown, index): InstalledItem => {
    if (
      !isRecord(entry) ||
      typeof entry.slug !== 'string' ||
      (entry.type !== 'component' && entry.type !== 'block') ||
      typeof entry.out !== 'string' ||
      !isRecord(entry.files)
    ) {
      throw bad(`installed[${index}] needs slug, type, out and files`);
    }
    const files: Record<string, string> = {};
    for (const [name, hash] of Object.entries(entry.files)) if (typeof hash === 'string') files[name] = hash;
    return {
      slug: entry.slug,
      type: entry.type,
      out: entry.out,
      ...(typeof entry.version === 'string' ? { version: entry.version } : {}),
      files,
    };
  });
  return { installed };
}

/** Writes the manifest atomically (a temp file renamed over it). */
export function writeManifest(manifest: ProjectManifest, file: string = manifestPath()): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(temp, file);
  } catch (error) {
    throw new CliError(`Could not write ${file}: ${errorMessage(error)}`);
  }
}

/** Records an install, replacing an earlier record of the same item. */
export function recordInstall(item: InstalledItem, file: string = manifestPath()): void {
  const manifest = readManifest(file) ?? { installed: [] };
  const others = manifest.installed.filter((entry) => entry.slug !== item.slug || entry.type !== item.type);
  writeManifest({ installed: [...others, item] }, file);
}
