import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Why the data directory cannot be made private; the message says how to fix it. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/**
 * Makes the data directory private (finding 16 of issue 12): created 0700 if missing; if it
 * exists already, it and everything under it that others may read are tightened (directories
 * 0700, files 0600), and the process's umask becomes 077, so that what the server writes later
 * (the embedded database's files, blobs, checkpoints) is private from its first instant. A
 * directory that cannot be tightened (another owner) is refused with a message that says what
 * to do: starting with a data directory others can read is never silently accepted. Symbolic
 * links below the top are left alone (never followed). Returns how many entries were tightened.
 */
export function secureDataDir(dataDir: string): number {
  process.umask(0o077);
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const top = statSync(dataDir);
  if (!top.isDirectory()) {
    throw new DataDirError(`SANCTUARY_DATA_DIR (${dataDir}) is not a directory: point it at a directory`);
  }
  let tightened = 0;
  const tighten = (path: string, mode: number, current: number) => {
    if ((current & 0o077) === 0) return;
    try {
      chmodSync(path, mode);
      tightened += 1;
    } catch (error) {
      throw new DataDirError(
        `${path} in SANCTUARY_DATA_DIR can be read by other users and could not be made private (${(error as NodeJS.ErrnoException).code ?? 'error'}): run Sanctuary as the directory's owner, or run "chmod -R go= ${dataDir}"`,
      );
    }
  };
  tighten(dataDir, 0o700, top.mode);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const entry = lstatSync(path);
      if (entry.isDirectory()) {
        tighten(path, 0o700, entry.mode);
        walk(path);
      } else if (entry.isFile()) {
        tighten(path, 0o600, entry.mode);
      }
    }
  };
  walk(dataDir);
  return tightened;
}
