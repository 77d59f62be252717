import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { sha256 } from '../../crypto/index.ts';
import { recordAudit, verifyAuditChain } from '../audit/audit.service.ts';
import { listApplicantVisibleMessages } from '../cases/cases.service.ts';
import { intakeRuntimeOf } from './intake.plugin.tsx';
import { answersSchema, computeUrgency } from './intake.schemas.ts';
import { commitSubmissionBatch, prepareCase, submitFromPartner } from './intake.service.ts';
import { replyAsStaff } from './intake.test-support.ts';

describe('intake service: group commit, compatibility with the cases module, audit chain', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const answers = (story: string) =>
    answersSchema.parse({ story, needs: ['leave'], applicantType: 'deserter', urgency: 'hiding' });

  it('commits a batch in one transaction and keeps the audit chain verifiable', async () => {
    await recordAudit(t.ctx.database.db, { actor: 'system', action: 'test.before' });
    const jobs = Array.from({ length: 25 }, (_, i) => ({
      rows: prepareCase(t.ctx, answers(`batch story ${i}`), 'partner' as const),
      channel: 'partner' as const,
      partnerId: '00000000-0000-4000-8000-000000000000',
    }));
    const results = await commitSubmissionBatch(t.ctx, jobs);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    await recordAudit(t.ctx.database.db, { actor: 'system', action: 'test.after' });
    const verdict = await verifyAuditChain(t.ctx.database.db);
    expect(verdict.ok).toBe(true);
    const creates = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'case.create')
      .execute();
    expect(creates.length).toBeGreaterThanOrEqual(25);
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
    void sha256;
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
