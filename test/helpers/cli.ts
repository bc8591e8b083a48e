/**
 * Runs the real `keyward` bin (cli/bin/keyward.js) as a subprocess with a clean environment:
 * a temporary HOME and XDG_CONFIG_HOME, NO_COLOR, and no inherited KEYWARD_* variables.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const KEYWARD_BIN = path.join(REPO_ROOT, 'cli/bin/keyward.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for "never printed anywhere" checks. */
  output: string;
}

export interface CliHome {
  home: string;
  configHome: string;
  /** Where `keyward login` saves credentials by default for this home. */
  credentialsFile: string;
}

/** A fresh temporary HOME with its own XDG config directory (not created yet). */
export function makeCliHome(): CliHome {
  const home = mkdtempSync(path.join(os.tmpdir(), 'keyward-cli-'));
  const configHome = path.join(home, 'xdg-config');
  return { home, configHome, credentialsFile: path.join(configHome, 'keyward', 'credentials.json') };
}

export interface RunCliOptions {
  home: CliHome;
  apiUrl?: string;
  /** Extra variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is then closed (stdin is /dev/null otherwise). */
  input?: string;
  /** Another `keyward` executable to run (e.g. a global install's bin) instead of cli/bin/keyward.js. */
  bin?: string;
}

export function runCli(args: string[], options: RunCliOptions): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.home.home,
    XDG_CONFIG_HOME: options.home.configHome,
    NO_COLOR: '1',
    ...(options.apiUrl ? { KEYWARD_API_URL: options.apiUrl } : {}),
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const [command, commandArgs] = options.bin
    ? [options.bin, args]
    : [process.execPath, [KEYWARD_BIN, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
  });
}

/**
 * Runs the CLI and remembers every output, so a test file can finally check that no known secret
 * was ever printed. Runs marked `mayPrintSecret` (`token create`) are left out of that check.
 */
export interface CliRecorder {
  run(args: string[], options: RunCliOptions, mayPrintSecret?: boolean): Promise<CliResult>;
  /** A fresh HOME, deleted by cleanup(). */
  home(): CliHome;
  /** A fresh temporary directory, deleted by cleanup(). */
  tempDir(): string;
  /** Secrets that must never appear in a recorded output. */
  secrets: Set<string>;
  outputs: CliResult[];
  cleanup(): void;
}

export function createCliRecorder(): CliRecorder {
  const temps: string[] = [];
  const recorder: CliRecorder = {
    secrets: new Set(),
    outputs: [],
    async run(args, options, mayPrintSecret = false) {
      // A fresh project folder by default: `add` records installs in ./keyward.json.
      const result = await runCli(args, { ...options, cwd: options.cwd ?? recorder.tempDir() });
      if (!mayPrintSecret) recorder.outputs.push(result);
      return result;
    },
    home() {
      const created = makeCliHome();
      temps.push(created.home);
      return created;
    },
    tempDir() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keyward-out-'));
      temps.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    },
  };
  return recorder;
}

/** Fails when a recorded output contains a known secret. */
export function leakedSecrets(recorder: CliRecorder): string[] {
  const leaks: string[] = [];
  for (const result of recorder.outputs) {
    for (const secret of recorder.secrets) {
      if (result.output.includes(secret)) leaks.push(`${secret.slice(0, 12)}... in:\n${result.output}`);
    }
  }
  return leaks;
}
