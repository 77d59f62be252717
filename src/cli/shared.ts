import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config/config.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { isAppError } from '../platform/errors.ts';

/** Exit codes: 0 ok, 1 failure, 2 refused (e.g. audit chain broken), 64 usage, 65 bad input data, 69 unavailable, 78 config. */
export const EXIT = {
  ok: 0,
  failure: 1,
  refused: 2,
  usage: 64,
  data: 65,
  unavailable: 69,
  config: 78,
} as const;

export function fail(message: string, code: number = EXIT.failure): number {
  process.stderr.write(`sanctuary: ${message}\n`);
  return code;
}

/** Parses options; a usage error becomes a message and exit 64. */
export function parseOptions<T extends ParseArgsConfig['options']>(
  args: string[],
  options: T,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: options ?? {},
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`, EXIT.usage);
  }
}

/** Loads the config, turning a ConfigError into its message and exit 78. */
export function configOrExit(): Config | number {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, EXIT.config);
    throw error;
  }
}

/** Maps known errors to clear messages and exit codes. */
export function explain(error: unknown): number {
  if (error instanceof DataDirLockedError) return fail(error.message, EXIT.unavailable);
  if (isAppError(error)) return fail(error.message, error.status === 503 ? EXIT.unavailable : EXIT.failure);
  if (error instanceof Error) return fail(error.message);
  return fail(String(error));
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('standard input is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
