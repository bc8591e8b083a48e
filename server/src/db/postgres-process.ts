import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Logger } from '../logger.js';

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT: open sessions are ended, committed work is kept); resolves once it exited. */
  stop(): Promise<void>;
}

export interface PostgresSpawnOptions {
  binary: string;
  clusterDir: string;
  port: number;
  flags: string[];
  /** The OS user to run as (when Keyward runs as root). */
  uid?: number;
  gid?: number;
  logger?: Logger;
}

const READY = 'database system is ready to accept connections';

/**
 * Runs `postgres` in its own session and process group (detached), so a terminal's Ctrl-C or a
 * signal sent to Keyward's process group never reaches it: Keyward stops it after its own last
 * writes. If this process exits without having stopped it (a crash), the exit hook asks it to stop.
 */
export function spawnPostgres(options: PostgresSpawnOptions): Promise<PostgresProcess> {
  const { logger } = options;
  const child = spawn(
    options.binary,
    ['-D', options.clusterDir, '-p', String(options.port), ...options.flags],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // English messages, whatever the locale: readiness is read from the log.
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    },
  );
  const pid = child.pid;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      process.removeListener('exit', stopOnExit);
      resolve();
    });
  });
  function stopOnExit(): void {
    if (!exited && pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  }
  process.on('exit', stopOnExit);
  // A script that handles no signal (the admin command) would die at once and leave PostgreSQL
  // running: then stop it first and exit as the signal would have. The server handles its signals.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    if (!exited) child.kill('SIGINT');
    void exit.then(() => process.exit(128 + constants.signals[signal]));
  };
  for (const signal of signals) process.on(signal, onSignal);
  void exit.then(() => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  });

  return new Promise<PostgresProcess>((resolve, reject) => {
    let output = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      logger?.debug({ postgres: text.trim() }, 'embedded postgres');
      if (ready) return;
      output += text;
      if (output.includes(READY) && pid !== undefined) {
        ready = true;
        output = '';
        resolve({
          pid,
          stop: async () => {
            if (!exited) child.kill('SIGINT');
            await exit;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => reject(error));
    void exit.then(() => {
      if (!ready) reject(new Error(`PostgreSQL exited before it was ready: ${output.trim()}`));
    });
  });
}
