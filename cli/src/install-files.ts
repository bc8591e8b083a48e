/**
 * Writing a component's source files under an output directory, and nowhere else: a server (or
 * anything between it and us) must not be able to write outside `--out` with absolute paths, `..`
 * segments, or symbolic links planted inside the directory.
 */
import { lstatSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, errorMessage, isNodeErrorCode } from './errors.js';

export interface SourceFile {
  path: string;
  content: string;
}

export interface PlannedFile {
  /** The path as the server sent it, normalised to forward slashes. */
  relative: string;
  /** Absolute target inside the output directory. */
  target: string;
  content: string;
}

/**
 * Validates one server-supplied path: relative, no `..`, no drive letters or NUL bytes.
 * Returns its segments (`.` and empty segments dropped).
 */
export function safeSegments(raw: string): string[] {
  const unsafe = (why: string) =>
    new CliError(`Refusing to write "${raw}": ${why}.`, {
      hint: 'Nothing was written. The server sent a file path outside the output directory.',
    });
  if (raw.includes('\0')) throw unsafe('the path contains a NUL byte');
  const slashed = raw.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) throw unsafe('absolute paths are not allowed');
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw unsafe('".." is not allowed in file paths');
  if (segments.length === 0) throw unsafe('the path is empty');
  return segments;
}

/** Checks every file before anything is written, so a bad path anywhere means no file at all. */
export function planInstall(outDir: string, files: readonly SourceFile[]): PlannedFile[] {
  const root = path.resolve(outDir);
  const seen = new Set<string>();
  return files.map((file) => {
    const segments = safeSegments(file.path);
    const target = path.resolve(root, ...segments);
    const inside = path.relative(root, target);
    if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new CliError(`Refusing to write "${file.path}": it resolves outside ${outDir}.`);
    }
    if (seen.has(target)) throw new CliError(`The server sent "${file.path}" twice.`);
    seen.add(target);
    return { relative: segments.join('/'), target, content: file.content };
  });
}

/** Files that already exist (including symbolic links, even dangling ones). */
export function existingFiles(planned: readonly PlannedFile[]): PlannedFile[] {
  return planned.filter((file) => {
    try {
      lstatSync(file.target);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Writes the planned files. Without `force`, existing files are an error and nothing is written.
 * A symbolic link is never written through, and every parent directory must really be inside
 * `outDir` (a link inside it pointing elsewhere is refused).
 */
export function writeInstall(outDir: string, planned: readonly PlannedFile[], force: boolean): void {
  const clashes = existingFiles(planned);
  if (clashes.length > 0 && !force) {
    throw new CliError(
      `${clashes.length === 1 ? 'A file already exists' : `${clashes.length} files already exist`}: ${clashes
        .map((file) => path.relative(process.cwd(), file.target) || file.target)
        .join(', ')}.`,
      { hint: 'Nothing was written. Pass --force to overwrite.' },
    );
  }
  for (const file of clashes) {
    if (lstatSync(file.target).isSymbolicLink()) {
      throw new CliError(`Refusing to write through the symbolic link ${file.target}.`, {
        hint: 'Nothing was written.',
      });
    }
  }
  mkdirSync(outDir, { recursive: true });
  const realRoot = realpathSync(outDir);
  for (const file of planned) {
    const parent = path.dirname(file.target);
    mkdirSync(parent, { recursive: true });
    const realParent = realpathSync(parent);
    const inside = path.relative(realRoot, realParent);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new CliError(`Refusing to write ${file.relative}: ${parent} leads outside ${outDir}.`);
    }
    try {
      writeFileSync(file.target, file.content, { flag: force ? 'w' : 'wx' });
    } catch (error) {
      if (isNodeErrorCode(error, 'EEXIST')) {
        throw new CliError(`${file.target} appeared while writing; pass --force to overwrite.`);
      }
      throw new CliError(`Could not write ${file.target}: ${errorMessage(error)}`);
    }
  }
}
