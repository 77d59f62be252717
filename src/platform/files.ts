import { open } from 'node:fs/promises';

/**
 * Writes `bytes` to a new file and flushes it to disk (fsync) before returning, so that a rename
 * into place afterwards never exposes a half-written file. `flag` 'wx' refuses an existing file.
 */
export async function writeSyncedFile(
  file: string,
  bytes: Buffer | string,
  mode: number,
  flag: 'w' | 'wx' = 'wx',
): Promise<void> {
  const handle = await open(file, flag, mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
