import { resolve } from 'node:path';
import { BackupError, parseIdentities, readIdentityFile, restoreBackup } from '../modules/backup/index.ts';
import { BACKUP_EXIT } from './backup.ts';
import { serverIsRunning } from './direct.ts';
import { configOrExit, EXIT, explain, fail, parseOptions, readStdin } from './shared.ts';

export const summary = 'restore a backup archive into an empty data directory or database';

const USAGE =
  'sanctuary restore FILE [--identity IDENTITY_FILE]  (or SANCTUARY_BACKUP_IDENTITY_FILE, or the identity on standard input)';

/**
 * The age identity comes from a file (flag, then environment) or from standard input when it
 * is piped, never from the command line itself, and is never printed. The restored server
 * starts sealed: the key holders unseal it with their existing shares.
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseOptions(args, { identity: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [archive, ...extra] = parsed.positionals;
  if (archive === undefined || extra.length > 0) return fail(`usage: ${USAGE}`, EXIT.usage);
  const config = configOrExit();
  if (typeof config === 'number') return config;
  if (await serverIsRunning(config)) {
    return fail('a server is running on this data directory: stop it before restoring', EXIT.unavailable);
  }
  try {
    const identityFile =
      typeof parsed.values.identity === 'string'
        ? parsed.values.identity
        : process.env.SANCTUARY_BACKUP_IDENTITY_FILE;
    let identities: string[];
    if (identityFile !== undefined && identityFile !== '') identities = await readIdentityFile(identityFile);
    else if (!process.stdin.isTTY) identities = parseIdentities(await readStdin());
    else return fail(`the age identity is needed to open the archive.\nusage: ${USAGE}`, EXIT.usage);
    const done = await restoreBackup({
      archive: resolve(archive),
      identities,
      target: { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
    });
    process.stdout.write(
      [
        `Restored the backup of ${done.createdAt}: ${done.rows} rows in ${done.tables} tables, ${done.blobs} attachment files${done.migrationsApplied > 0 ? `, then ${done.migrationsApplied} newer migration(s)` : ''}.`,
        'The server starts sealed: start it, and the key holders unseal it with their existing shares (sanctuary unseal).',
        'Then run "sanctuary audit verify" (with your witness copy: --witness FILE).',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof BackupError) return fail(error.message, BACKUP_EXIT[error.problem]);
    return explain(error);
  }
}
