import { writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp } from '../../../test/support/app.ts';
import { addVerifiedPeer } from '../../../test/support/federation.ts';
import { rewriteAuditLog } from '../../../test/support/intruder.ts';
import { federationIdentity, generateRootKey, Keyring } from '../../crypto/index.ts';
import { checkpointFilePath, verifyAudit, writeCheckpoint } from '../admin/index.ts';
import { type AuditCheckpoint, recordAudit } from '../audit/index.ts';
import { JobRunner } from '../jobs/index.ts';
import { JOB_WITNESS_SILENCE_CHECK, witnessJobHandlers } from './witness.jobs.ts';
import { signStatement, WITNESS_API_PATH } from './witness.protocol.ts';
import {
  exportCopies,
  PushRefused,
  pushCheckpoint,
  queueWitnessPushes,
  type WitnessTransport,
} from './witness.service.ts';
import { checkSilences } from './witness.silence.ts';

/**
 * Witnessed checkpoints and the fork alarm (issue 18 item 4, ADR 0175), with two real servers:
 * O (the origin, configured with W as its witness) and W (another organisation's Sanctuary).
 * Statements travel over W's real HTTP routes (app.inject); nothing else is ever called.
 *
 * From the attacker's side: statements from outside the verified peers are refused with W's
 * database unchanged; and an intruder with write access to O's database and data directory who
 * rewrites the audit history, re-signs it with O's running key and wipes O's own copies, is
 * caught by W (which already countersigned the old head for that entry), by O when W answers,
 * and by `audit verify` with W's exported copies.
 */
let O: TestApp;
let W: TestApp;
let fpO: string;
let fpW: string;
const called: string[] = [];
const transport: WitnessTransport = async (url, body) => {
  called.push(url);
  const res = await W.app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    payload: body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.statusCode, json: res.json() };
};
let runner: JobRunner;
const outsider = Keyring.withNewDerivationKey(generateRootKey());

const count = async (t: TestApp, table: 'witness_copies' | 'checkpoint_forks' | 'witness_receipts') =>
  Number(
    (
      await t.ctx.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function activity(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await recordAudit(O.ctx.database.db, { actor: 'system', action: 'case.read', target: `n:${i}` });
  }
}

beforeAll(async () => {
  W = await buildTestApp();
  fpW = (await federationIdentity(W.ctx.vault.requireKeyring())).fingerprint;
  O = await buildTestApp({
    config: {
      audit: {
        keyFingerprints: [],
        witnessFile: undefined,
        witnessUrl: undefined,
        witnessToken: undefined,
        witnessPeers: [fpW],
      },
    },
  });
  fpO = (await federationIdentity(O.ctx.vault.requireKeyring())).fingerprint;
  await addVerifiedPeer(O.ctx, W.ctx, 'Witness W');
  await addVerifiedPeer(W.ctx, O.ctx, 'Origin O');
  runner = new JobRunner({
    db: O.ctx.database.db,
    logger: O.ctx.logger,
    handlers: witnessJobHandlers(O.ctx, transport),
    isSealed: () => O.ctx.vault.sealed,
  });
}, 60_000);
afterAll(async () => {
  await O?.close();
  await W?.close();
});

describe('witnessed checkpoints', () => {
  it('pushes each checkpoint through a job to the configured witness, which countersigns it; verify counts it', async () => {
    await activity(3);
    const checkpoint = (await writeCheckpoint(O.ctx))!;
    expect(called).toEqual([]); // the writer never waits for a witness
    await runner.runOnce();
    expect(called).toEqual([expect.stringMatching(new RegExp(`${WITNESS_API_PATH}$`))]);
    const receipt = await O.ctx.database.db
      .selectFrom('witness_receipts')
      .selectAll()
      .where('seq', '=', checkpoint.seq)
      .executeTakeFirstOrThrow();
    expect(receipt.witness).toBe(fpW);
    expect(JSON.parse(receipt.countersignature)).toMatchObject({
      witness: fpW,
      origin: fpO,
      seq: checkpoint.seq,
    });
    // Sent again (a retry): the same countersignature, one copy.
    const copies = await count(W, 'witness_copies');
    expect(await pushCheckpoint(O.ctx, { witness: fpW, log: 'audit', checkpoint }, transport)).toBe(
      'countersigned',
    );
    expect(await count(W, 'witness_copies')).toBe(copies);
    const verified = await verifyAudit(O.ctx);
    expect(verified.ok, verified.firstBad?.problem).toBe(true);
    expect(verified.countersigned).toBeGreaterThanOrEqual(1);
  });

  it('a head signed again without new entries (the 5-minute beat) is countersigned, not retried for hours', async () => {
    await activity(1);
    const first = (await writeCheckpoint(O.ctx))!;
    expect(await pushCheckpoint(O.ctx, { witness: fpW, log: 'audit', checkpoint: first }, transport)).toBe(
      'countersigned',
    );
    const copies = await count(W, 'witness_copies');
    // The checkpoint writer signs the unchanged head again: same entry and head, a new signature.
    // The witness used to answer the stored countersignature of the first one, which the origin
    // rightly refused, so every quiet 5 minutes queued a push that failed 60 times.
    const again = (await writeCheckpoint(O.ctx))!;
    expect([again.seq, again.headHash]).toEqual([first.seq, first.headHash]);
    expect(again.signature).not.toBe(first.signature);
    expect(await pushCheckpoint(O.ctx, { witness: fpW, log: 'audit', checkpoint: again }, transport)).toBe(
      'countersigned',
    );
    expect(await count(W, 'witness_copies')).toBe(copies); // the copy kept is still the first
    expect(await count(W, 'checkpoint_forks')).toBe(0);
  });

  it('never calls a witness that is not configured', async () => {
    const before = called.length;
    // W has no witness configured: nothing is queued.
    expect(await queueWitnessPushes(W.ctx, 'audit', (await writeCheckpoint(W.ctx))!)).toBe(0);
    // O's job names a verified peer that is not (or no longer) a configured witness: refused, no call.
    const checkpoint = (await writeCheckpoint(O.ctx))!;
    await expect(
      pushCheckpoint(W.ctx, { witness: fpO, log: 'audit', checkpoint }, transport),
    ).rejects.toBeInstanceOf(PushRefused);
    expect(called.length).toBe(before);
  });

  it('refuses statements that are not from a verified peer, for it, and signed, leaving the witness unchanged', async () => {
    await activity(1);
    const checkpoint = (await writeCheckpoint(O.ctx))!;
    const post = (body: unknown) =>
      W.app.inject({ method: 'POST', url: WITNESS_API_PATH, payload: body as object });
    const before = [await count(W, 'witness_copies'), await count(W, 'checkpoint_forks')];
    const outsiderId = await federationIdentity(outsider);
    const cases: [unknown, number, string][] = [
      [{ hello: 'world' }, 400, 'statement_malformed'],
      [
        signStatement(outsider, { from: outsiderId.fingerprint, to: fpW, log: 'audit', checkpoint }),
        403,
        'sender_not_verified',
      ],
      // O's own key, but for another server.
      [
        signStatement(O.ctx.vault.requireKeyring(), {
          from: fpO,
          to: outsiderId.fingerprint,
          log: 'audit',
          checkpoint,
        }),
        400,
        'wrong_recipient',
      ],
      // Claims to be O, signed by the outsider.
      [signStatement(outsider, { from: fpO, to: fpW, log: 'audit', checkpoint }), 401, 'bad_signature'],
      // O's valid statement, its head changed on the way.
      [
        {
          ...signStatement(O.ctx.vault.requireKeyring(), { from: fpO, to: fpW, log: 'audit', checkpoint }),
          checkpoint: { ...checkpoint, headHash: 'f'.repeat(64) },
        },
        401,
        'bad_signature',
      ],
      // Signed by O, but the checkpoint's own signature is not the audit key's.
      [
        signStatement(O.ctx.vault.requireKeyring(), {
          from: fpO,
          to: fpW,
          log: 'audit',
          checkpoint: { ...checkpoint, headHash: 'f'.repeat(64) },
        }),
        400,
        'bad_checkpoint',
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect([res.statusCode, res.json().error?.code]).toEqual([status, code]);
    }
    expect([await count(W, 'witness_copies'), await count(W, 'checkpoint_forks')]).toEqual(before);
  });

  it('an intruder who rewrites the audit history and re-signs it is caught: the witness holds the old head', async () => {
    const db = O.ctx.database.db;
    await activity(4);
    const honest = (await writeCheckpoint(O.ctx))!;
    await runner.runOnce();
    const forksOnW = await count(W, 'checkpoint_forks');

    // The intruder (database and data directory, and the running server signs for it):
    // deletes two entries, re-chains the rest, throws away O's checkpoints, receipts and the
    // local checkpoint file, and lets normal activity bring the log back to the same length.
    await rewriteAuditLog(db, new Set([2, 3]), O.ctx.vault.requireKeyring());
    await db.deleteFrom('witness_receipts').execute();
    await writeFile(checkpointFilePath(O.ctx), '');
    const length = async () =>
      Number(
        (
          await db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.max('seq').as('m'))
            .executeTakeFirstOrThrow()
        ).m,
      );
    await activity(honest.seq - (await length()));
    const forged = (await writeCheckpoint(O.ctx))!;
    expect(forged.seq).toBe(honest.seq);
    expect(forged.headHash).not.toBe(honest.headHash);
    // Locally, everything is consistent again: the rewrite is invisible without a witness.
    expect((await verifyAudit(O.ctx)).ok).toBe(true);

    await runner.runOnce();
    // The witness refused the second head for that entry and raised its alarm, audited.
    expect(await count(W, 'checkpoint_forks')).toBe(forksOnW + 1);
    const onW = await W.ctx.database.db
      .selectFrom('checkpoint_forks')
      .selectAll()
      .where('origin', '=', fpO)
      .executeTakeFirstOrThrow();
    expect([onW.log, Number(onW.seq), onW.seen_by]).toEqual(['audit', honest.seq, 'witness']);
    const wAudit = await W.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'witness.fork')
      .execute();
    expect(wAudit).toHaveLength(1);
    // The origin heard it too, with the witness's countersigned copy of the honest head.
    const onO = await db.selectFrom('checkpoint_forks').selectAll().executeTakeFirstOrThrow();
    expect([onO.origin, onO.seen_by, onO.peer, JSON.parse(onO.first_checkpoint).headHash]).toEqual([
      'self',
      'origin',
      fpW,
      honest.headHash,
    ]);
    const metrics = await O.ctx.metrics.registry.metrics();
    expect(metrics).toContain('sanctuary_checkpoint_forks{state="unacknowledged"} 1');
    const page = await (await loginAs(O, 'admin')).client.get('/staff/admin?lang=en');
    expect(page.body).toContain('id="forks"');
    expect(page.body).toContain(`audit checkpoint ${honest.seq} of this server`);

    // Even if the intruder also deletes O's alarm, verify with the witness's export names the fork.
    await db.deleteFrom('checkpoint_forks').execute();
    const exported = (await exportCopies(W.ctx.database.db, fpO, 'audit'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditCheckpoint);
    const verdict = await verifyAudit(O.ctx, exported);
    expect(verdict.ok).toBe(false);
    expect(verdict.forks?.join('\n')).toContain(
      `FORK: two different signed audit checkpoints for entry ${honest.seq}`,
    );
    expect(verdict.countersigned).toBeGreaterThanOrEqual(exported.length);
    expect(await count(O, 'checkpoint_forks')).toBe(1);
  });
});

/**
 * The silence alarm (ADR 0213), from the attacker's side: an intruder on O stops the pushes
 * (deletes the queued jobs; the log can then be frozen or rolled back unseen by a fork check).
 * W notices nothing arriving within the window, O notices its witness countersigning nothing;
 * a replayed old statement does not quiet the alarm. The clock is pinned (only Date is faked),
 * a year ahead of the real one so that nothing earlier in this file is newer.
 */
describe('the silence alarm', () => {
  const MIN = 60_000;
  const T0 = new Date(Date.now() + 365 * 24 * 60 * MIN);
  const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
  afterEach(() => {
    vi.useRealTimers();
  });
  const actions = async (t: TestApp, prefix: string) =>
    (
      await t.ctx.database.db
        .selectFrom('audit_log')
        .select(['action', 'target'])
        .where('action', 'like', `${prefix}%`)
        .orderBy('seq')
        .execute()
    ).map((r) => r.action);
  const silences = (t: TestApp) =>
    t.ctx.database.db.selectFrom('witness_silences').selectAll().orderBy('raised_at').execute();

  it('a witness hears nothing from an origin within the window: alarm on both sides, audited once; only a fresh checkpoint ends it', async () => {
    // The administrator signs in and reads pages on the real clock: sessions are not what is pinned here.
    const admin = await loginAs(W, 'admin');
    const pinned = (minutes: number) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(at(minutes));
    };
    pinned(0);
    await activity(1);
    const last = (await writeCheckpoint(O.ctx))!;
    const statement = signStatement(O.ctx.vault.requireKeyring(), {
      from: fpO,
      to: fpW,
      log: 'audit',
      checkpoint: last,
    });
    expect(await pushCheckpoint(O.ctx, { witness: fpW, log: 'audit', checkpoint: last }, transport)).toBe(
      'countersigned',
    );
    // The intruder stops every push from now on.
    await O.ctx.database.db.deleteFrom('jobs').where('kind', '=', 'witness.push').execute();

    expect(await checkSilences(W.ctx, at(59))).toEqual([]);
    expect(await checkSilences(O.ctx, at(59))).toEqual([]);
    const [onW] = await checkSilences(W.ctx, at(61));
    const [onO] = await checkSilences(O.ctx, at(61));
    expect(await checkSilences(W.ctx, at(66))).toEqual([]); // once per silence
    const wRows = await silences(W);
    expect(
      wRows.map((r) => [r.id, r.peer_role, r.peer, r.last_checkpoint_at?.toISOString(), r.ended_at]),
    ).toEqual([[onW, 'origin', fpO, T0.toISOString(), null]]);
    expect((await silences(O)).map((r) => [r.id, r.peer_role, r.peer])).toEqual([[onO, 'witness', fpW]]);
    expect(await actions(W, 'witness.silence')).toEqual(['witness.silence']);
    expect(await actions(O, 'witness.silence')).toEqual(['witness.silence']);
    expect(await W.ctx.metrics.registry.metrics()).toContain('sanctuary_witness_silences{state="silent"} 1');

    // Shown where the fork alarm is, with the peer's name.
    vi.useRealTimers();
    const page = await admin.client.get('/staff/admin?lang=en');
    expect(page.body).toContain('id="silences"');
    expect(page.body).toContain(`No checkpoint from Origin O (${fpO})`);

    // The intruder replays O's old statement: it arrives, but signed before the window, so
    // the alarm stays (and O's newest checkpoint stays the old one).
    pinned(70);
    await W.app.inject({ method: 'POST', url: WITNESS_API_PATH, payload: statement });
    expect((await silences(W))[0]!.ended_at).toBeNull();

    // O pushes again: a fresh checkpoint ends the silence on both sides (audited); the alarm
    // stays on the page until an administrator acknowledges it.
    pinned(72);
    await activity(1);
    const fresh = (await writeCheckpoint(O.ctx))!;
    expect(await pushCheckpoint(O.ctx, { witness: fpW, log: 'audit', checkpoint: fresh }, transport)).toBe(
      'countersigned',
    );
    expect((await silences(W))[0]!.ended_at?.toISOString()).toBe(at(72).toISOString());
    expect((await silences(O))[0]!.ended_at?.toISOString()).toBe(at(72).toISOString());
    expect(await actions(W, 'witness.silence')).toEqual(['witness.silence', 'witness.silence_end']);
    expect(await actions(O, 'witness.silence')).toEqual(['witness.silence', 'witness.silence_end']);
    vi.useRealTimers();
    expect((await admin.client.get('/staff/admin?lang=en')).body).toContain(`data-silence="${onW}"`);

    const csrf = Client.csrfOf(page.body);
    const ack = () =>
      admin.client.post(`/staff/admin/forks/silences/${onW}/acknowledge?lang=en`, { _csrf: csrf });
    expect((await ack()).statusCode).toBe(200);
    expect((await ack()).statusCode).toBe(404);
    expect(await actions(W, 'witness.silence')).toEqual([
      'witness.silence',
      'witness.silence_end',
      'witness.silence_acknowledge',
    ]);
    expect((await admin.client.get('/staff/admin?lang=en')).body).not.toContain('id="silences"');
    // Quiet again after the window: a new alarm, a new row; but not about a peer W revoked.
    const setState = (state: 'verified' | 'revoked') =>
      W.ctx.database.db
        .updateTable('federation_peers')
        .set({ state })
        .where('fingerprint', '=', fpO)
        .execute();
    await setState('revoked');
    expect(await checkSilences(W.ctx, at(72 + 61))).toEqual([]);
    await setState('verified');
    expect(await checkSilences(W.ctx, at(72 + 61))).toHaveLength(1);
  });

  it('the check runs as a background job, without keys, and queues the next one 5 minutes later', async () => {
    const handler = witnessJobHandlers(W.ctx, transport).find((h) => h.kind === JOB_WITNESS_SILENCE_CHECK)!;
    expect(handler.needsKeys).toBe(false);
    const before = Date.now();
    await handler.run(handler.parse({}), { id: 'x', attempts: 0 });
    const after = Date.now();
    const next = await W.ctx.database.db
      .selectFrom('jobs')
      .select('run_after')
      .where('kind', '=', JOB_WITNESS_SILENCE_CHECK)
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    const runAfter = new Date(next.run_after).getTime();
    expect(runAfter).toBeGreaterThanOrEqual(before + 5 * MIN);
    expect(runAfter).toBeLessThanOrEqual(after + 5 * MIN);
  });
});
