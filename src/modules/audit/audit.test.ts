import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDb } from '../../../test/support/db.ts';
import { disableAuditGuards, rewriteAuditLog } from '../../../test/support/intruder.ts';
import { auditPublicKey, fingerprintAuditKey, generateRootKey, Keyring } from '../../crypto/index.ts';
import type { SanctuaryDatabase } from '../../db/database.ts';
import {
  type AuditCheckpoint,
  createAuditCheckpoint,
  recordAudit,
  verifyAuditChain,
} from './audit.service.ts';

/**
 * Each describe below builds its log once (one database per describe: opening one costs about
 * a second of CPU) and copies it aside; before every test the log and its checkpoints are put
 * back row for row, so each test starts from exactly the log a fresh database would hold.
 */
async function keepAuditFixture(db: SanctuaryDatabase['db']): Promise<void> {
  await sql`create table fixture_audit_log as select * from audit_log`.execute(db);
  await sql`create table fixture_audit_checkpoints as select * from audit_checkpoints`.execute(db);
}

/** Puts the kept log back; `guarded` switches the append-only triggers on again afterwards. */
async function restoreAuditFixture(db: SanctuaryDatabase['db'], guarded: boolean): Promise<void> {
  await disableAuditGuards(db);
  await sql`delete from audit_log`.execute(db);
  await sql`delete from audit_checkpoints`.execute(db);
  await sql`insert into audit_log select * from fixture_audit_log`.execute(db);
  await sql`insert into audit_checkpoints select * from fixture_audit_checkpoints`.execute(db);
  if (guarded) {
    await sql`alter table audit_log enable trigger user`.execute(db);
    await sql`alter table audit_checkpoints enable trigger user`.execute(db);
  }
}

/**
 * Tampering with raw SQL, as an intruder with database access would. Every kind of
 * tampering the issue names must be caught, and the first bad entry named.
 */
describe('audit log tamper evidence', () => {
  let database: SanctuaryDatabase;
  const keyring = Keyring.fromRootKey(generateRootKey());
  const N = 30;

  beforeAll(async () => {
    database = await testDb();
    for (let i = 1; i <= N; i += 1) {
      await recordAudit(database.db, {
        actor: `staff-${i % 4}`,
        action: 'case.read',
        target: `case:C-${i}`,
        reason: i % 3 === 0 ? 'triage' : null,
      });
    }
    await keepAuditFixture(database.db);
  });
  beforeEach(() => restoreAuditFixture(database.db, false));
  afterAll(async () => database.close());

  it('verifies an untouched log', async () => {
    const result = await verifyAuditChain(database.db);
    expect(result).toEqual({ ok: true, entries: N, checkpointsChecked: 0 });
  });

  it('writes entries with contiguous sequence numbers even when appended concurrently', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        database.db
          .transaction()
          .execute((trx) => recordAudit(trx, { actor: 'x', action: 'case.read', target: `concurrent:${i}` })),
      ),
    );
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(true);
    expect(result.entries).toBe(N + 10);
  });

  it('appends concurrently from outside any transaction without a duplicate sequence number', async () => {
    // Callers that pass the database itself (a page view's "case.read", a replayed partner
    // call) run on separate pool connections on PostgreSQL: the chain lock must still hold.
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        recordAudit(database.db, { actor: 'x', action: 'case.read', target: `loose:${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const result = await verifyAuditChain(database.db);
    expect(result).toEqual({ ok: true, entries: N + 20, checkpointsChecked: 0 });
  });

  it.each([
    ['actor', sql`update audit_log set actor = 'someone-else' where seq = 7`],
    ['action', sql`update audit_log set action = 'case.create' where seq = 7`],
    ['target', sql`update audit_log set target = 'case:C-999' where seq = 7`],
    ['reason', sql`update audit_log set reason = 'nothing to see' where seq = 7`],
    ['time', sql`update audit_log set at = at + interval '1 second' where seq = 7`],
  ])('catches an edit of the %s of an entry and names it', async (_field, edit) => {
    await edit.execute(database.db);
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(7);
  });

  it('catches an edit that also recomputes that entry hash (the next link breaks)', async () => {
    await sql`update audit_log set actor = 'forged' where seq = 7`.execute(database.db);
    // Recompute entry 7 correctly, as a careful forger would; entry 8 still points at the old hash.
    const rows = await database.db.selectFrom('audit_log').selectAll().where('seq', '=', 7).execute();
    const { hashAuditEntry } = await import('./audit.service.ts');
    const row = rows[0]!;
    const forged = hashAuditEntry(Buffer.from(row.prev_hash), row);
    await database.db.updateTable('audit_log').set({ hash: forged }).where('seq', '=', 7).execute();
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(8);
  });

  it('catches a deleted entry in the middle', async () => {
    await sql`delete from audit_log where seq = 12`.execute(database.db);
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(12);
  });

  it('catches a deleted first entry', async () => {
    await sql`delete from audit_log where seq = 1`.execute(database.db);
    const result = await verifyAuditChain(database.db);
    expect(result).toMatchObject({ ok: false, firstBad: { seq: 1 } });
  });

  it('catches reordered entries (sequence numbers swapped)', async () => {
    await sql`update audit_log set seq = -1 where seq = 10`.execute(database.db);
    await sql`update audit_log set seq = 10 where seq = 11`.execute(database.db);
    await sql`update audit_log set seq = 11 where seq = -1`.execute(database.db);
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(10);
  });

  it('catches a truncated tail against a signed checkpoint', async () => {
    const checkpoint = await createAuditCheckpoint(database.db, keyring);
    expect(checkpoint?.seq).toBe(N);
    await sql`delete from audit_log where seq > 25`.execute(database.db);
    await sql`delete from audit_checkpoints`.execute(database.db);
    const result = await verifyAuditChain(database.db, [checkpoint!]);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(26);
    expect(result.firstBad?.problem).toContain('removed');
  });

  it('catches a whole-table truncation against a signed checkpoint', async () => {
    const checkpoint = await createAuditCheckpoint(database.db, keyring);
    await sql`truncate audit_log`.execute(database.db);
    const result = await verifyAuditChain(database.db, [checkpoint!]);
    expect(result).toMatchObject({ ok: false, firstBad: { seq: 1 } });
  });

  it('refuses a forged checkpoint', async () => {
    const checkpoint = await createAuditCheckpoint(database.db, keyring);
    const forged = { ...checkpoint!, seq: checkpoint!.seq + 5 };
    const result = await verifyAuditChain(database.db, [forged]);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.problem).toContain('signature');
  });

  it('catches every one of 40 random single-row tamperings', async () => {
    const kinds = ['edit', 'delete', 'swap', 'truncate'] as const;
    const checkpoint = await createAuditCheckpoint(database.db, keyring);
    let caught = 0;
    for (let trial = 0; trial < 40; trial += 1) {
      const kind = kinds[trial % kinds.length]!;
      const seq = 1 + ((trial * 7) % (N - 1));
      await database.db
        .transaction()
        .execute(async (trx) => {
          if (kind === 'edit')
            await sql`update audit_log set reason = ${`x${trial}`} where seq = ${seq}`.execute(trx);
          if (kind === 'delete') await sql`delete from audit_log where seq = ${seq}`.execute(trx);
          if (kind === 'swap') {
            await sql`update audit_log set seq = -1 where seq = ${seq}`.execute(trx);
            await sql`update audit_log set seq = ${seq} where seq = ${seq + 1}`.execute(trx);
            await sql`update audit_log set seq = ${seq + 1} where seq = -1`.execute(trx);
          }
          if (kind === 'truncate') await sql`delete from audit_log where seq >= ${seq}`.execute(trx);
          const result = await verifyAuditChain(trx, [checkpoint!]);
          if (!result.ok && result.firstBad !== undefined && result.firstBad.seq <= seq + 1) caught += 1;
          // Undo: this transaction never commits.
          await sql`select 1/0`.execute(trx);
        })
        .catch(() => undefined);
    }
    expect(caught).toBe(40);
    expect((await verifyAuditChain(database.db, [checkpoint!])).ok).toBe(true);
  });
});

describe('batched audit entries', () => {
  it('chains a batch exactly like single entries, after and before them', async () => {
    const database = await testDb();
    try {
      const { recordAuditBatch } = await import('./audit.service.ts');
      await recordAudit(database.db, { actor: 'a', action: 'server.unseal' });
      await database.db.transaction().execute((trx) =>
        recordAuditBatch(trx, [
          { actor: 'applicant', action: 'case.create', target: 'case:C-1' },
          { actor: 'partner:p', action: 'intake.partner_submit', target: 'case:C-1', reason: 'r' },
          { actor: 'applicant', action: 'case.create', target: 'case:C-2' },
        ]),
      );
      await recordAudit(database.db, { actor: 'b', action: 'server.seal' });
      expect(await verifyAuditChain(database.db)).toEqual({ ok: true, entries: 5, checkpointsChecked: 0 });
      await disableAuditGuards(database.db);
      await sql`update audit_log set target = 'case:C-9' where seq = 3`.execute(database.db);
      expect((await verifyAuditChain(database.db)).firstBad?.seq).toBe(3);
    } finally {
      await database.close();
    }
  });
});

describe('an audit log rewritten with database access (issue 12, finding 2)', () => {
  const genuine = Keyring.fromRootKey(generateRootKey());
  const attacker = Keyring.fromRootKey(generateRootKey());
  const pinned = fingerprintAuditKey(auditPublicKey(genuine));
  let database: SanctuaryDatabase;
  let witnessed: AuditCheckpoint;

  beforeAll(async () => {
    database = await testDb();
    for (let i = 1; i <= 40; i += 1) {
      await recordAudit(database.db, { actor: `staff-${i % 3}`, action: 'case.read', target: `case:C-${i}` });
    }
    witnessed = (await createAuditCheckpoint(database.db, genuine))!;
    await keepAuditFixture(database.db);
  });
  beforeEach(() => restoreAuditFixture(database.db, true));
  afterAll(async () => database.close());

  it('is refused by the database itself: no update, delete or truncate of audit rows', async () => {
    for (const statement of [
      sql`update audit_log set actor = 'forged' where seq = 3`,
      sql`delete from audit_log where seq = 3`,
      sql`truncate audit_log`,
      sql`update audit_checkpoints set seq = 1`,
      sql`delete from audit_checkpoints`,
      sql`truncate audit_checkpoints`,
    ]) {
      await expect(statement.execute(database.db)).rejects.toThrow(/append-only/);
    }
    expect(await verifyAuditChain(database.db, [witnessed], { trustedFingerprints: [pinned] })).toEqual({
      ok: true,
      entries: 40,
      checkpointsChecked: 1,
    });
  });

  it('fails on the intruder checkpoint when the audit key is pinned (key fingerprint mismatch)', async () => {
    const forged = await rewriteAuditLog(database.db, new Set(range(11, 28)), attacker);
    // Without a pin, the intruder's checkpoint vouches for the forged log: the review's finding.
    expect((await verifyAuditChain(database.db, [forged])).ok).toBe(true);
    const result = await verifyAuditChain(database.db, [forged], { trustedFingerprints: [pinned] });
    expect(result.ok).toBe(false);
    expect(result.firstBad?.problem).toContain('key fingerprint mismatch');
    expect(result.firstBad?.problem).toContain(fingerprintAuditKey(forged.publicKey));
    expect(result.firstBad?.problem).toContain(pinned);
  });

  it('reports the deletion as a deletion against a witnessed checkpoint, even re-chained', async () => {
    const forged = await rewriteAuditLog(database.db, new Set(range(11, 28)), attacker);
    const result = await verifyAuditChain(database.db, [forged, witnessed]);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.problem).toMatch(
      /^18 entries were deleted: a signed checkpoint of .* saw 40 entries, the log now holds 22/,
    );
  });

  it('names the missing entries of a gap in the sequence', async () => {
    await disableAuditGuards(database.db);
    await sql`delete from audit_log where seq between 5 and 9`.execute(database.db);
    const result = await verifyAuditChain(database.db);
    expect(result.firstBad).toEqual({ seq: 5, problem: 'entries 5..9 were deleted (the next entry is 10)' });
  });

  it('still verifies the untouched log against the pinned key', async () => {
    expect(await verifyAuditChain(database.db, [witnessed], { trustedFingerprints: [pinned] })).toMatchObject(
      {
        ok: true,
        checkpointsChecked: 1,
      },
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
