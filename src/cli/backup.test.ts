import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { dbMode, emptyDatabase, testDb } from '../../test/support/db.ts';
import { runCli } from '../../test/support/process.ts';
import { openDatabase } from '../db/database.ts';
import { initShamirKeys } from '../modules/keys/index.ts';
import { main } from './main.ts';

/**
 * Runs `sanctuary …` in this process with exactly `env` for Sanctuary's settings: the usage and
 * error paths answer before any database work, so they need no process of their own.
 */
async function inProcess(args: string[], env: Record<string, string>) {
  const names = [
    'SANCTUARY_DATA_DIR',
    'SANCTUARY_ENV',
    'SANCTUARY_PUBLIC_URL',
    'SANCTUARY_LOG_LEVEL',
    'SANCTUARY_BACKUP_RECIPIENTS',
    'SANCTUARY_BACKUP_IDENTITY_FILE',
    'SANCTUARY_ADMIN_SOCKET',
    'SANCTUARY_AUDIT_KEY_FINGERPRINT',
    'DATABASE_URL',
  ];
  for (const name of names) vi.stubEnv(name, env[name]);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    vi.unstubAllEnvs();
  }
}

/**
 * `sanctuary backup` and `sanctuary restore` through the real command, as an operator runs
 * them: usage, configuration and input errors with their exit codes, and one round trip from a
 * production data directory to a new one (the drill itself is in modules/backup/backup.test.ts).
 * On the run's database: a data directory of its own (PGlite), or a live and a new, empty
 * database in the shared cluster (PostgreSQL).
 */
describe('sanctuary backup / restore', () => {
  let root: string;
  let identity: string;
  let identityFile: string;
  let recipient: string;
  let archive: string;
  let fingerprint: string;
  /** PostgreSQL runs: the live database, and the new empty one the round trip restores into. */
  let liveUrl: Record<string, string> = {};
  let restoredUrl: Record<string, string> = {};
  const cleanups: Array<() => Promise<void>> = [];
  const env = (dataDir: string, extra: Record<string, string> = {}) => ({
    SANCTUARY_DATA_DIR: dataDir,
    SANCTUARY_ENV: 'production',
    SANCTUARY_PUBLIC_URL: 'https://help.example.org',
    SANCTUARY_LOG_LEVEL: 'warn',
    ...extra,
  });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sanctuary-backup-cli-'));
    identity = await generateIdentity();
    recipient = await identityToRecipient(identity);
    identityFile = join(root, 'custodian.key');
    writeFileSync(identityFile, `# created: for the test\n# public key: ${recipient}\n${identity}\n`, {
      mode: 0o600,
    });
    if (dbMode() === 'postgres') {
      const live = await testDb();
      cleanups.push(() => live.close());
      fingerprint = (await initShamirKeys(live.db, { shares: 2, threshold: 2 })).auditKeyFingerprint;
      liveUrl = { DATABASE_URL: live.url! };
      const target = await emptyDatabase();
      cleanups.push(target.drop);
      restoredUrl = { DATABASE_URL: target.url };
    } else {
      // The live data directory starts from the run's migrated template (no initdb), with a
      // Shamir-split key as in production.
      const live = await openDatabase({
        dataDir: join(root, 'live'),
        loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
      });
      try {
        fingerprint = (await initShamirKeys(live.db, { shares: 2, threshold: 2 })).auditKeyFingerprint;
      } finally {
        await live.close();
      }
    }
    archive = join(root, 'nightly.age');
  }, 180_000);
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up with the configured recipients and restores into a new directory that verifies', async () => {
    const backup = await runCli(
      ['backup', '--out', archive],
      env(join(root, 'live'), { SANCTUARY_BACKUP_RECIPIENTS: recipient, ...liveUrl }),
    );
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^Backup written to .*nightly\.age \(\d+ bytes\): \d+ rows in \d+ tables/);
    const again = await inProcess(
      ['backup', '--out', archive],
      env(join(root, 'live'), { SANCTUARY_BACKUP_RECIPIENTS: recipient, ...liveUrl }),
    );
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('already exists');

    const restored = join(root, 'restored');
    const restore = await runCli(
      ['restore', archive],
      env(restored, { SANCTUARY_BACKUP_IDENTITY_FILE: identityFile, ...restoredUrl }),
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('The server starts sealed');
    expect(restore.stdout + restore.stderr).not.toContain(identity);
    const verify = await inProcess(
      ['audit', 'verify'],
      env(restored, { SANCTUARY_AUDIT_KEY_FINGERPRINT: fingerprint, ...restoredUrl }),
    );
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('intact');

    // Over data that is already there: refused, and nothing changes.
    const before = readdirSync(restored).sort();
    const over = await inProcess(
      ['restore', archive, '--identity', identityFile],
      env(restored, restoredUrl),
    );
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('is not empty');
    expect(readdirSync(restored).sort()).toEqual(before);
  }, 180_000);

  it.each([
    [['backup'], {}, 64, 'usage: sanctuary backup --out FILE'],
    [['backup', '--out'], {}, 64, 'usage: sanctuary backup --out FILE'],
    [['backup', '--out', 'x.age', 'extra'], {}, 64, 'usage: sanctuary backup --out FILE'],
    [['backup', '--out', 'x.age'], {}, 78, 'SANCTUARY_BACKUP_RECIPIENTS is not set'],
    [
      ['backup', '--out', 'x.age'],
      { SANCTUARY_BACKUP_RECIPIENTS: 'age1notakey' },
      78,
      'SANCTUARY_BACKUP_RECIPIENTS must be age public keys',
    ],
    [['restore'], {}, 64, 'usage: sanctuary restore FILE'],
    [['restore', 'a.age', 'b.age'], {}, 64, 'usage: sanctuary restore FILE'],
    [['restore', 'a.age', '--identity'], {}, 64, 'usage: sanctuary restore FILE'],
  ])('%j exits %#', async (args, extra, code, message) => {
    const res = await inProcess(args, env(join(root, 'unused'), extra));
    expect(res.code, res.stderr).toBe(code);
    expect(res.stderr).toContain(message);
    expect(existsSync(join(root, 'unused'))).toBe(false);
  });

  it('refuses a data directory with no database to back up', async () => {
    const res = await inProcess(
      ['backup', '--out', join(root, 'none.age')],
      env(join(root, 'empty'), { SANCTUARY_BACKUP_RECIPIENTS: recipient }),
    );
    expect(res.code).toBe(66);
    expect(res.stderr).toContain('there is no Sanctuary data directory');
    expect(res.stderr).toContain('--data-dir DIR or SANCTUARY_DATA_DIR=DIR');
    expect(existsSync(join(root, 'none.age'))).toBe(false);
  });

  it('names a missing archive, a bad identity file (without repeating it) and a wrong identity', async () => {
    const target = join(root, 'target');
    const missing = await inProcess(
      ['restore', join(root, 'missing.age'), '--identity', identityFile],
      env(target),
    );
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('does not exist');

    const notAKey = join(root, 'not-a-key');
    writeFileSync(notAKey, 'correct horse battery staple\n');
    const bad = await inProcess(['restore', archive, '--identity', notAKey], env(target));
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('not an age identity file');
    expect(bad.stderr).not.toContain('horse');

    const unreadable = await inProcess(
      ['restore', archive, '--identity', join(root, 'nope.key')],
      env(target),
    );
    expect(unreadable.code).toBe(64);
    expect(unreadable.stderr).toContain('cannot read the identity file');

    // The identity may come on standard input; a custodian key that was not a recipient fails.
    const other = await generateIdentity();
    const wrong = await runCli(['restore', archive], env(target), `${other}\n`);
    expect(wrong.code).toBe(65);
    expect(wrong.stderr).toContain('this identity cannot open the archive');
    expect(wrong.stderr).not.toContain(other);
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});
