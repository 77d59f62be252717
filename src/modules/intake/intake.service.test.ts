import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { replyAsStaff } from '../../../test/support/intake.ts';
import { sha256 } from '../../crypto/index.ts';
import { recordAudit, verifyAuditChain } from '../audit/index.ts';
import { listApplicantVisibleMessages } from '../cases/index.ts';
import {
  authenticatePartner,
  issuePartnerToken,
  revokePartnerToken,
} from './channels/partner-api/partner.service.ts';
import { intakeRuntimeOf } from './intake.plugin.tsx';
import { answersSchema, computeUrgency } from './intake.schemas.ts';
import { commitSubmissionBatch, prepareCase, submitFromPartner } from './intake.service.ts';

describe('intake service: group commit, compatibility with the cases module, audit chain', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const answers = (story: string) =>
    answersSchema.parse({ story, needs: ['leave'], applicantType: 'deserter', urgency: 'hiding' });

  it('commits a batch in one transaction and keeps the audit chain verifiable', async () => {
    await recordAudit(t.ctx.database.db, { actor: 'system', action: 'server.unseal' });
    const jobs = Array.from({ length: 25 }, (_, i) => ({
      rows: prepareCase(t.ctx, answers(`batch story ${i}`), 'partner' as const),
      channel: 'partner' as const,
      partnerId: '00000000-0000-4000-8000-000000000000',
    }));
    const results = await commitSubmissionBatch(t.ctx, jobs);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    await recordAudit(t.ctx.database.db, { actor: 'system', action: 'server.seal' });
    const verdict = await verifyAuditChain(t.ctx.database.db);
    expect(verdict.ok).toBe(true);
    // One entry per case, naming the partner that filed it.
    const creates = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'target'])
      .where(
        'target',
        'in',
        jobs.map((j) => `case:${j.rows.caseRow.ref}`),
      )
      .execute();
    expect(creates.length).toBe(25);
    expect(
      creates.every(
        (e) => e.actor === 'partner:00000000-0000-4000-8000-000000000000' && e.action === 'case.create',
      ),
    ).toBe(true);
  });

  it('writes cases that the cases module reads back (status new, urgency, conversation)', async () => {
    const [r] = await commitSubmissionBatch(t.ctx, [
      { rows: prepareCase(t.ctx, answers('compat'), 'web'), channel: 'web' },
    ]);
    if (r === undefined || r instanceof Error) throw new Error('commit failed');
    const row = await t.ctx.database.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', r.caseId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('new');
    expect(row.urgency).toBe(3);
    expect(row.applicant_type).toBe('soldier');
    await replyAsStaff(t, r.ref, 'hello from staff');
    const messages = await listApplicantVisibleMessages(t.ctx, r.caseId);
    expect(messages.map((m) => m.body)).toEqual(['hello from staff']);
  });

  it('a batch with one bad job commits the others (the queue splits it)', async () => {
    const rt = intakeRuntimeOf(t.ctx);
    const good = prepareCase(t.ctx, answers('good'), 'partner');
    const bad = prepareCase(t.ctx, answers('bad'), 'partner');
    bad.caseRow.ref = good.caseRow.ref; // unique violation on cases.ref
    const results = await Promise.allSettled([
      rt.queue.enqueue({ rows: good, channel: 'partner' }, { proven: true }),
      rt.queue.enqueue({ rows: bad, channel: 'partner' }, { proven: true }),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled').length).toBe(1);
  });

  it('partner submissions are idempotent and refuse a reused key with another body', async () => {
    const rt = intakeRuntimeOf(t.ctx);
    const partner = { id: '11111111-1111-4111-8111-111111111111', label: 'p' };
    const a = await submitFromPartner(t.ctx, rt, partner, {
      body: { story: 'one' },
      idempotencyKey: 'key-00000001',
    });
    const b = await submitFromPartner(t.ctx, rt, partner, {
      body: { story: 'one' },
      idempotencyKey: 'key-00000001',
    });
    expect(b).toEqual({ caseRef: a.caseRef, replay: true });
    await expect(
      submitFromPartner(t.ctx, rt, partner, { body: { story: 'two' }, idempotencyKey: 'key-00000001' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Concurrent retries of one key make one case.
    const same = await Promise.all(
      Array.from({ length: 5 }, () =>
        submitFromPartner(t.ctx, rt, partner, { body: { story: 'c' }, idempotencyKey: 'key-concurrent' }),
      ),
    );
    expect(new Set(same.map((x) => x.caseRef)).size).toBe(1);
    expect(same.filter((x) => !x.replay).length).toBe(1);
    // A concurrent request with the key and another body is a conflict, as it is later.
    const raced = await Promise.allSettled([
      submitFromPartner(t.ctx, rt, partner, { body: { story: 'first' }, idempotencyKey: 'key-raced' }),
      submitFromPartner(t.ctx, rt, partner, { body: { story: 'second' }, idempotencyKey: 'key-raced' }),
    ]);
    // Which of the two commits first is the database's choice (on PostgreSQL either may): exactly
    // one makes the case, the other is a conflict.
    const won = raced.find((r) => r.status === 'fulfilled');
    expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(won).toMatchObject({ value: { replay: false } });
    expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
    // Every call is audited exactly once: the first as the case it made, the others as replays
    // (by their batch, or on their own when they waited in this process).
    const entries = async (ref: string) =>
      (
        await t.ctx.database.db
          .selectFrom('audit_log')
          .select(['action', 'reason'])
          .where('target', '=', `case:${ref}`)
          .where('actor', '=', `partner:${partner.id}`)
          .orderBy('seq')
          .execute()
      ).map((e) => `${e.action}${e.reason === null ? '' : ` (${e.reason})`}`);
    expect(await entries(a.caseRef)).toEqual([
      'case.create',
      'intake.partner_replay',
      'intake.partner_replay (different body)',
    ]);
    expect(await entries(same[0]!.caseRef)).toEqual([
      'case.create',
      ...Array(4).fill('intake.partner_replay'),
    ]);
    if (won?.status !== 'fulfilled') throw new Error('no raced call made the case');
    expect(await entries(won.value.caseRef)).toEqual([
      'case.create',
      'intake.partner_replay (different body)',
    ]);
    void sha256;
  });

  it('decides idempotency inside the batch: a used key replays, a repeated key in one batch stores once', async () => {
    const key = (k: string) => ({ keyHash: sha256(`batch-key-${k}`), requestHash: sha256('request') });
    const job = (story: string, k?: string) => ({
      rows: prepareCase(t.ctx, answers(story), 'partner' as const),
      channel: 'partner' as const,
      ...(k === undefined ? {} : { idempotency: key(k) }),
    });
    const [first] = await commitSubmissionBatch(t.ctx, [job('first', 'a')]);
    if (first === undefined || first instanceof Error) throw new Error('commit failed');
    const before = await countCases();
    const batch = [
      job('again', 'a'),
      job('fresh', 'b'),
      job('twin 1', 'c'),
      job('twin 2', 'c'),
      job('no key'),
      job('again, twice', 'a'),
    ];
    const results = await commitSubmissionBatch(t.ctx, batch);
    if (results.some((r) => r instanceof Error)) throw new Error('commit failed');
    const [again, fresh, twin1, twin2, noKey, againTwice] = results as Exclude<
      (typeof results)[number],
      Error
    >[];
    // Two jobs in one batch replaying the same earlier key: both answered with its case.
    expect(againTwice).toMatchObject({ replay: true, ref: first.ref, sameRequest: true });
    expect(again).toMatchObject({ replay: true, ref: first.ref, caseId: first.caseId, sameRequest: true });
    expect(fresh).toMatchObject({ replay: false, ref: batch[1]!.rows.caseRow.ref });
    expect(twin1).toMatchObject({ replay: false, ref: batch[2]!.rows.caseRow.ref });
    expect(twin2).toMatchObject({ replay: true, ref: batch[2]!.rows.caseRow.ref });
    expect(noKey).toMatchObject({ replay: false });
    // Three new cases (fresh, the first twin, the one without a key), and nothing for the replays.
    expect(await countCases()).toBe(before + 3);
    const stored = await t.ctx.database.db
      .selectFrom('cases')
      .select('ref')
      .where('ref', 'in', [batch[0]!.rows.caseRow.ref, batch[3]!.rows.caseRow.ref])
      .execute();
    expect(stored).toEqual([]);
    expect((await verifyAuditChain(t.ctx.database.db)).ok).toBe(true);
  });

  it('never links a second case to a codename already taken: the job fails and writes nothing', async () => {
    const lookupId = sha256('codename-collision-lookup');
    const job = (story: string) => ({
      rows: prepareCase(t.ctx, answers(story), 'web' as const),
      channel: 'web' as const,
      codename: { lookupId, caseEnc: sha256(story) },
    });
    const [first] = await commitSubmissionBatch(t.ctx, [job('owner')]);
    if (first === undefined || first instanceof Error) throw new Error('commit failed');
    const before = await countCases();
    // In a batch, the collision fails the whole transaction (the queue then commits each job alone).
    const other = {
      rows: prepareCase(t.ctx, answers('bystander'), 'partner' as const),
      channel: 'partner' as const,
    };
    await expect(commitSubmissionBatch(t.ctx, [other, job('second')])).rejects.toThrow(/collision/);
    expect(await countCases()).toBe(before);
    // Alone, it is answered with its own error.
    const [alone] = await commitSubmissionBatch(t.ctx, [job('third')]);
    expect(alone).toBeInstanceOf(Error);
    expect(await countCases()).toBe(before);
    const owner = await t.ctx.database.db
      .selectFrom('intake_codenames')
      .select('case_enc')
      .where('lookup_id', '=', lookupId)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(owner.case_enc).equals(sha256('owner'))).toBe(true);
  });

  it('stores a batch of several channels (codenames, Telegram links, partner calls) in one go', async () => {
    const before = await countCases();
    const jobs = Array.from({ length: 6 }, (_, i) => {
      const rows = prepareCase(t.ctx, answers(`mixed ${i}`), 'telegram', { telegramChatId: `chat-${i}` });
      return i % 3 === 0
        ? { rows, channel: 'partner' as const, partnerId: '22222222-2222-4222-8222-222222222222' }
        : i % 3 === 1
          ? {
              rows,
              channel: 'web' as const,
              codename: { lookupId: sha256(`mixed-${i}`), caseEnc: sha256(`m${i}`) },
            }
          : {
              rows,
              channel: 'telegram' as const,
              codename: { lookupId: sha256(`mixed-${i}`), caseEnc: sha256(`m${i}`) },
              telegram: { chatHash: sha256(`chat-${i}`), chatEnc: rows.chatEnc!, locale: 'uk' as const },
            };
    });
    const results = await commitSubmissionBatch(t.ctx, jobs);
    expect(results.every((r) => !(r instanceof Error) && !r.replay)).toBe(true);
    expect(await countCases()).toBe(before + 6);
    const links = await t.ctx.database.db
      .selectFrom('intake_telegram_links')
      .select(['case_id', 'locale'])
      .where('case_id', 'in', [jobs[2]!.rows.caseId, jobs[5]!.rows.caseId])
      .execute();
    expect(links.map((l) => l.locale)).toEqual(['uk', 'uk']);
    const codenames = await t.ctx.database.db
      .selectFrom('intake_codenames')
      .select('lookup_id')
      .where(
        'lookup_id',
        'in',
        [1, 2, 4, 5].map((i) => sha256(`mixed-${i}`)),
      )
      .execute();
    expect(codenames.length).toBe(4);
    const events = await t.ctx.database.db
      .selectFrom('case_events')
      .select(['case_id', 'kind'])
      .where(
        'case_id',
        'in',
        jobs.map((j) => j.rows.caseId),
      )
      .execute();
    expect(events.length).toBe(6);
    expect(events.every((e) => e.kind === 'created')).toBe(true);
    expect((await verifyAuditChain(t.ctx.database.db)).ok).toBe(true);
  });

  const countCases = async () => countRows(t.ctx.database.db, 'cases');

  it('a revoked partner token is refused at once, even though verified tokens are cached', async () => {
    const admin = { kind: 'cli', id: 'cli' } as const;
    const { id, token } = await issuePartnerToken(t.ctx, admin, { label: 'revoked hotline' });
    const header = `Bearer ${token}`;
    expect((await authenticatePartner(t.ctx, header)).id).toBe(id);
    expect((await authenticatePartner(t.ctx, header)).id).toBe(id); // from the cache
    await revokePartnerToken(t.ctx, admin, id);
    await expect(authenticatePartner(t.ctx, header)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('a batch retried after an unknown outcome (a failover) stores each case exactly once', async () => {
    const job = (story: string) => ({
      rows: prepareCase(t.ctx, answers(story), 'partner' as const),
      channel: 'partner' as const,
      partnerId: '00000000-0000-4000-8000-000000000000',
    });
    const [a, b, c] = [job('retry a'), job('retry b'), job('retry c')];
    // The first attempt committed a and b, but its answer was lost with the primary.
    await commitSubmissionBatch(t.ctx, [a, b]);
    // Committing them again as if new would fail the whole batch (the case ids exist).
    await expect(commitSubmissionBatch(t.ctx, [a, b, c])).rejects.toThrow();
    const results = await commitSubmissionBatch(t.ctx, [a, b, c], { retry: true });
    expect(results.map((r) => (r instanceof Error ? r : r.caseId))).toEqual([
      a.rows.caseId,
      b.rows.caseId,
      c.rows.caseId,
    ]);
    const stored = await t.ctx.database.db
      .selectFrom('cases')
      .select('id')
      .where('id', 'in', [a.rows.caseId, b.rows.caseId, c.rows.caseId])
      .execute();
    expect(stored).toHaveLength(3);
    const audited = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('target')
      .where('action', '=', 'case.create')
      .where(
        'target',
        'in',
        [a, b, c].map((j) => `case:${j.rows.caseRow.ref}`),
      )
      .execute();
    expect(audited).toHaveLength(3);
  });

  it('computes triage urgency from the answers', () => {
    const day = '2026-11-22';
    const u = (x: object) => computeUrgency(answersSchema.parse({ story: 's', ...x }), day);
    expect(u({ urgency: 'hiding' })).toBe(3);
    expect(u({ deadline: '2026-11-28' })).toBe(3);
    expect(u({ deadline: '2026-12-15' })).toBe(2);
    expect(u({ applicantType: 'deserter' })).toBe(2);
    expect(u({ deadline: '2027-03-01' })).toBe(1);
    expect(u({ applicantType: 'reservist' })).toBe(1);
    expect(u({})).toBe(0);
  });
});
