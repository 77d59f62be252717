import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPublicKey, fingerprintAuditKey, generateRootKey, Keyring } from '../src/crypto/index.ts';
import { openDatabase, type SanctuaryDatabase } from '../src/db/database.ts';
import {
  appendCheckpointFile,
  createAuditCheckpoint,
  recordAudit,
} from '../src/modules/audit/audit.service.ts';
import { dbMode, testDb } from './support/db.ts';
import { rewriteAuditLog } from './support/intruder.ts';
import { runCli, seedDataDir } from './support/process.ts';

/**
 * Issue 12, finding 2, replayed from the attacker's side through the real command. With
 * write access to the database and the data directory the intruder deletes 18 entries (a
 * coordinator's self-assignment and case reads, and a break-glass), re-chains the rest,
 * replaces the stored checkpoints with one signed by a key of their own, and rewrites the
 * local checkpoint file. Before the fix `sanctuary audit verify` printed "intact", exit 0.
 */
describe('sanctuary audit verify against a rewritten log', () => {
  const dirs: string[] = [];
  const newDir = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), name));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('fails, naming the key fingerprint mismatch and the deletion seen by the witness copy', async () => {
    const dataDir = newDir('sanctuary-rewrite-');
    const witnessDir = newDir('sanctuary-witness-');
    const witnessFile = join(witnessDir, 'checkpoints.jsonl');
    const genuine = Keyring.fromRootKey(generateRootKey());
    const attacker = Keyring.fromRootKey(generateRootKey());
    const fingerprint = fingerprintAuditKey(auditPublicKey(genuine));

    // The organisation's log: the embedded database in the data directory, or PostgreSQL.
    let database: SanctuaryDatabase & { url?: string };
    if (dbMode() === 'postgres') database = await testDb();
    else {
      await seedDataDir(dataDir);
      database = await openDatabase({ dataDir });
    }
    const env: Record<string, string> = {
      SANCTUARY_ENV: 'production',
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      SANCTUARY_DATA_DIR: dataDir,
      SANCTUARY_LOG_LEVEL: 'warn',
      ...(database.url === undefined ? {} : { DATABASE_URL: database.url }),
    };
    try {
      const coordinator = '0b6f1a4e-2c1d-4f7a-9e1b-1c2d3e4f5a6b';
      for (let i = 1; i <= 40; i += 1) {
        const action = i === 12 ? 'case.assign' : i === 20 ? 'case.break_glass' : 'case.read';
        await recordAudit(database.db, {
          actor: i >= 11 && i <= 28 ? coordinator : 'staff',
          action,
          target: `case:C-${i}`,
        });
      }
      const checkpoint = (await createAuditCheckpoint(database.db, genuine))!;
      await appendCheckpointFile(join(dataDir, 'audit', 'checkpoints.jsonl'), checkpoint);
      await appendCheckpointFile(witnessFile, checkpoint);
      if (dbMode() === 'pglite') await database.close();

      const pinned = { ...env, SANCTUARY_AUDIT_KEY_FINGERPRINT: fingerprint };
      const before = await runCli(['audit', 'verify'], pinned);
      expect(before.code, before.stdout + before.stderr).toBe(0);
      expect(before.stdout).toContain('intact: 40 entries');

      // The attack.
      const intruder = dbMode() === 'postgres' ? database : await openDatabase({ dataDir });
      const deleted = new Set(Array.from({ length: 18 }, (_, i) => 11 + i));
      const forged = await rewriteAuditLog(intruder.db, deleted, attacker);
      if (dbMode() === 'pglite') await intruder.close();
      writeFileSync(join(dataDir, 'audit', 'checkpoints.jsonl'), `${JSON.stringify(forged)}\n`);

      // Nothing anchors the key: production refuses to call the log intact.
      const unpinned = await runCli(['audit', 'verify'], env);
      expect(unpinned.code, unpinned.stdout).not.toBe(0);
      expect(unpinned.stderr).toContain('the audit key is not pinned');

      // The pinned fingerprint unmasks the intruder's checkpoint.
      const withPin = await runCli(['audit', 'verify'], pinned);
      expect(withPin.code).toBe(2);
      expect(withPin.stdout).toContain('key fingerprint mismatch');
      expect(withPin.stdout).toContain(fingerprint);

      // The witness copy outside the data directory shows what was deleted.
      const withWitness = await runCli(['audit', 'verify', '--witness', witnessFile], env);
      expect(withWitness.code).toBe(2);
      expect(withWitness.stdout).toContain('18 entries were deleted');

      // A configured witness file is read on every verify, next to the pin.
      const configured = await runCli(['audit', 'verify'], {
        ...pinned,
        SANCTUARY_AUDIT_WITNESS_FILE: witnessFile,
      });
      expect(configured.code).toBe(2);
    } finally {
      if (dbMode() === 'postgres') await database.close();
    }
  }, 240_000);
});
