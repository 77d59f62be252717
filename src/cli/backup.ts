import { resolve } from 'node:path';
import { openDatabase } from '../db/database.ts';
import { BackupError, type BackupProblem, writeBackup } from '../modules/backup/index.ts';
import { serverIsRunning } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, requireDataDir } from './shared.ts';

const USAGE = 'sanctuary backup --out FILE';

/** Exit codes of a backup or restore problem (shared with restore.ts). */
export const BACKUP_EXIT: Record<BackupProblem, number> = {
  config: EXIT.config,
  usage: EXIT.usage,
  data: EXIT.data,
  refused: EXIT.refused,
  unavailable: EXIT.unavailable,
};

/**
 * Reads the database from one snapshot while the servers keep running (PostgreSQL), or with
 * the server stopped (the embedded database belongs to one process), and needs neither the
 * key shares nor an unsealed server: everything it copies is already ciphertext (ADR 0113).
 */
export async function run(_args: string[], call: CliCall): Promise<number> {
  const out = call.values.out;
  if (typeof out !== 'string' || out === '') {
    return fail(`usage: ${USAGE}`, EXIT.usage);
  }
  const config = await configOrExit({ creates: true });
  if (typeof config === 'number') return config;
  if (config.backupRecipients.length === 0) {
    return fail(
      'SANCTUARY_BACKUP_RECIPIENTS is not set: give it the age public key(s) of the backup custodians (age1…, from `age-keygen`); see docs/OPERATIONS.md, Backups',
      EXIT.config,
    );
  }
  // After the recipients (a configuration problem comes first), before anything is opened.
  const missing = await requireDataDir(config);
  if (missing !== undefined) return missing;
  const embedded = config.databaseUrl === undefined;
  if (embedded && (await serverIsRunning(config))) {
    return fail(
      'the embedded database is open in the running server: stop it, run the backup, start it again (with PostgreSQL, backups run while the servers run)',
      EXIT.unavailable,
    );
  }
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: embedded ? config.dataDir : undefined,
      poolSize: 2,
    });
    try {
      const done = await writeBackup({
        database,
        dataDir: config.dataDir,
        recipients: config.backupRecipients,
        out: resolve(out),
      });
      process.stdout.write(
        `Backup written to ${done.out} (${done.bytes} bytes): ${done.rows} rows in ${done.tables} tables, ${done.blobs} attachment files, encrypted to ${config.backupRecipients.length} age recipient(s).\n`,
      );
      if (done.vanishedBlobs > 0) {
        process.stdout.write(
          `${done.vanishedBlobs} attachment file(s) were removed (erased) while the backup ran and are not in it.\n`,
        );
      }
      return 0;
    } finally {
      await database.close();
    }
  } catch (error) {
    if (error instanceof BackupError) return fail(error.message, BACKUP_EXIT[error.problem]);
    return explain(error);
  }
}
