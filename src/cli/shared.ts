import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config/config.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { isAppError } from '../platform/errors.ts';
import { socketIsLive } from '../platform/unix-socket.ts';
import { EXIT, exitForErrno, fail } from './exit.ts';

export { EXIT, fail };

/**
 * Loads the config, turning a ConfigError into its message and exit 78. Unless the command's
 * job is to create one (`creates`: serve, keys init, demo, restore), the data directory must
 * already hold a database (or DATABASE_URL be set, or a server answer on the admin socket):
 * else exit 66, naming the directory and how to point at the right one, instead of silently
 * creating a second data directory and root key beside a running server (ADR 0148).
 */
export async function configOrExit(options: { creates?: boolean } = {}): Promise<Config | number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, EXIT.config);
    throw error;
  }
  if (options.creates === true) return config;
  return (await requireDataDir(config)) ?? config;
}

/** Exit 66 (reported) unless the data directory holds a database, DATABASE_URL is set or a server answers. */
export async function requireDataDir(config: Config): Promise<number | undefined> {
  if (config.databaseUrl !== undefined) return undefined;
  if (existsSync(join(config.dataDir, 'pgdata', 'PG_VERSION'))) return undefined;
  if (await socketIsLive(config.adminSocket)) return undefined;
  return fail(
    `there is no Sanctuary data directory at ${config.dataDir}. Point this command at the server's: ` +
      '--data-dir DIR or SANCTUARY_DATA_DIR=DIR (for PostgreSQL, DATABASE_URL). ' +
      '"sanctuary serve" or "sanctuary keys init" create a new one.',
    EXIT.noInput,
  );
}

/** The result on stdout: `data` as one line of JSON with `--json`, else `text` (ADR 0147). */
export function output(call: { values: Record<string, unknown> }, data: unknown, text: string): void {
  process.stdout.write(call.values.json === true ? `${JSON.stringify(data)}\n` : text);
}

/** Maps known errors to clear messages and exit codes (ADR 0147). */
export function explain(error: unknown): number {
  if (error instanceof DataDirLockedError) return fail(error.message, EXIT.unavailable);
  if (isAppError(error)) {
    const code = error.status === 503 ? EXIT.unavailable : error.status < 500 ? EXIT.data : EXIT.software;
    return fail(error.message, code);
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error)
    return fail(error.message, typeof errno === 'string' ? exitForErrno(errno) : EXIT.software);
  return fail(String(error), EXIT.software);
}

/** Standard input as text; an Error when it is larger than `limit` bytes. */
export async function readStdin(limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('standard input is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
