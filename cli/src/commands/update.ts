import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { type PlannedFile, planInstall, writeInstall } from '../install-files.js';
import { paintOut, print, printJson, safeText, warn } from '../output.js';
import {
  type InstalledItem,
  MANIFEST_FILE,
  manifestPath,
  readManifest,
  sha256,
  writeManifest,
} from '../project-manifest.js';
import { fetchSource } from './add.js';

interface UpdateOptions {
  force?: boolean;
  json?: boolean;
}

interface ItemReport {
  slug: string;
  type: InstalledItem['type'];
  out: string;
  from: string | null;
  to: string | null;
  written: string[];
  unchanged: number;
  /** Files left alone because they were changed locally since the install (without --force). */
  conflicts: string[];
}

/** The current content's hash, or null when the file is missing. */
function currentHash(file: PlannedFile): string | null {
  try {
    return sha256(readFileSync(file.target, 'utf8'));
  } catch {
    return null;
  }
}

export function registerUpdateCommand(program: Command): void {
  program
    .command('update')
    .description(`Fetch again the components and blocks recorded in ./${MANIFEST_FILE} by \`keyward add\``)
    .argument('[slugs...]', 'only these items (default: everything installed)')
    .option('--force', 'also replace files you changed since they were installed')
    .option('--json', 'print what changed as JSON')
    .addHelpText(
      'after',
      '\nA file you edited since it was installed is left alone and reported (exit 1); --force\n' +
        'replaces it. Run it in the folder that holds keyward.json.',
    )
    .action(async (slugs: string[], options: UpdateOptions, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const file = manifestPath();
      const manifest = readManifest(file);
      if (!manifest || manifest.installed.length === 0) {
        throw new CliError(`Nothing to update: no ${MANIFEST_FILE} with installs in ${process.cwd()}.`, {
          code: 'nothing_installed',
          hint: 'Install with `keyward add <slug>` first, or run update in your project folder.',
        });
      }
      const unknown = slugs.filter((slug) => !manifest.installed.some((item) => item.slug === slug));
      if (unknown.length > 0) throw usageError(`Not in ${MANIFEST_FILE}: ${unknown.join(', ')}.`);
      const chosen = manifest.installed.filter((item) => slugs.length === 0 || slugs.includes(item.slug));

      const reports: ItemReport[] = [];
      for (const item of chosen) {
        const source = await fetchSource(ctx, item.slug, item.type);
        const planned = planInstall(item.out, source.files);
        const report: ItemReport = {
          slug: item.slug,
          type: item.type,
          out: item.out,
          from: item.version ?? null,
          to: source.version ?? null,
          written: [],
          unchanged: 0,
          conflicts: [],
        };
        const toWrite = planned.filter((planFile) => {
          const now = currentHash(planFile);
          const fresh = sha256(planFile.content);
          if (now === fresh) {
            report.unchanged++;
            return false;
          }
          const changedLocally = now !== null && now !== item.files[planFile.relative];
          if (changedLocally && !options.force) {
            report.conflicts.push(planFile.relative);
            return false;
          }
          return true;
        });
        writeInstall(item.out, toWrite, true);
        report.written = toWrite.map((planFile) => planFile.relative);
        // Conflicting files keep their install-time hash, so the next update still sees them as changed.
        const files = Object.fromEntries(
          planned.map((planFile) => [
            planFile.relative,
            report.conflicts.includes(planFile.relative)
              ? (item.files[planFile.relative] ?? '')
              : sha256(planFile.content),
          ]),
        );
        Object.assign(item, { files, ...(source.version ? { version: source.version } : {}) });
        reports.push(report);
      }
      writeManifest(manifest, file);

      if (options.json) printJson({ updated: reports });
      else for (const report of reports) printReport(report);
      const conflicts = reports.flatMap((report) =>
        report.conflicts.map((relative) => path.join(report.out, relative)),
      );
      if (conflicts.length > 0) {
        throw new CliError(
          `Left ${conflicts.length} locally changed file(s) alone: ${conflicts.join(', ')}.`,
          {
            code: 'local_changes',
            hint: 'Pass --force to replace them with the new version.',
          },
        );
      }
    });
}

/** Versions, slugs and paths come from the server or keyward.json: never printed raw. */
function printReport(report: ItemReport): void {
  const versions =
    report.from && report.to && report.from !== report.to
      ? `${report.from} → ${report.to}`
      : (report.to ?? '');
  const what = safeText(`${report.slug} (${report.type}${versions ? ` ${versions}` : ''})`);
  const shown = (relative: string) => safeText(path.join(report.out, relative));
  if (report.written.length === 0 && report.conflicts.length === 0) {
    print(`${what}: up to date`);
    return;
  }
  if (report.written.length > 0) {
    print(`${paintOut('green', 'Updated')} ${what} in ${safeText(report.out)}:`);
  }
  for (const relative of report.written) print(`  ${shown(relative)}`);
  for (const relative of report.conflicts) warn(`${shown(relative)} was changed locally; kept.`);
}
