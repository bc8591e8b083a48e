import { readFileSync } from 'node:fs';
import { CliError, errorMessage, isNodeErrorCode } from './errors.js';

/** A file's text, or null when it does not exist; any other failure is a CliError naming the file. */
export function readOptionalFile(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (isNodeErrorCode(error, 'ENOENT')) return null;
    throw new CliError(`Could not read ${file}: ${errorMessage(error)}`);
  }
}
