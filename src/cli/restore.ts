import { resolve } from 'node:path';
import { BackupError, parseIdentities, readIdentityFile, restoreBackup } from '../modules/backup/index.ts';
import { BACKUP_EXIT } from './backup.ts';
import { serverIsRunning } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, readStdin } from './shared.ts';

const USAGE =
  'sanctuary restore FILE [--identity IDENTITY_FILE]  (or SANCTUARY_BACKUP_IDENTITY_FILE, or the identity on standard input)';

/**
 * The age identity comes from a file (flag, then environment) or from standard input when it
 * is piped, never from the command line itself, and is never printed. The restored server
 * starts sealed: the key holders unseal it with their existing shares.
 */
export async function run(_args: string[], call: CliCall): Promise<number> {
  const parsed = call;
  const [archive] = call.positionals;
  if (archive === undefined) return fail(`usage: ${USAGE}`, EXIT.usage);
  const config = await configOrExit({ creates: true });
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
