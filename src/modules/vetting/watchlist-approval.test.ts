import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { encryptField } from '../../crypto/index.ts';
import { createAppJobRunner } from '../../server.ts';
import { decideApproval } from '../case-access/index.ts';
import type { JobRunner } from '../jobs/index.ts';
import { upsertSignal } from './vetting.repository.ts';
import { openVettingKey } from './vetting-keys.ts';
import { listWatchlists, MAX_WATCHLIST_ENTRIES, MAX_WATCHLIST_SIGNALS } from './watchlist.service.ts';

/**
 * Issue 12, finding 9, from the attacker's side: a single vetting officer uploads a "watchlist"
 * that is really a list of people they want to find (here: every applicant, by name), and
 * reads the signals to learn who applied. Now nothing is matched until a different authorised
 * person approves the import; the importer cannot approve it; oversized lists are refused;
 * the declared source, importer and approver are recorded; coordinators see every import.
 */
let t: TestApp;
let runner: JobRunner;
type Signed = { client: Client; staff: TestStaff; csrf: string };
let officer: Signed;
let officer2: Signed;
let coordinator: Signed;

async function signIn(role: 'vetting_officer' | 'coordinator'): Promise<Signed> {
  const { client, staff } = await loginAs(t, role);
  const page = await client.get('/staff/login');
  return { client, staff, csrf: Client.csrfOf(page.body) };
}

async function upload(who: Signed, fields: Record<string, string>, file: string) {
  const form = multipart([
    { name: '_csrf', value: who.csrf },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'file', file: Buffer.from(file), filename: 'list.jsonl', type: 'application/octet-stream' },
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/staff/vetting/watchlists?lang=en',
    headers: { cookie: who.client.cookieHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
}

const watchlistSignals = () =>
  t.ctx.database.db.selectFrom('vetting_signals').select('id').where('kind', '=', 'watchlist').execute();
const pendingApproval = () =>
  t.ctx.database.db
    .selectFrom('case_approvals')
    .select(['id', 'status', 'watchlist_id'])
    .where('kind', '=', 'watchlist_import')
    .orderBy('requested_at', 'desc')
    .executeTakeFirstOrThrow();

const NAMES = [
  ['Александр', 'Орлов', '1990-04-12'],
  ['Мария', 'Смирнова', '1985-01-01'],
  ['Дмитрий', 'Волков', '1979-07-30'],
] as const;

beforeAll(async () => {
  t = await buildTestApp();
  runner = createAppJobRunner(t.ctx);
  officer = await signIn('vetting_officer');
  officer2 = await signIn('vetting_officer');
  coordinator = await signIn('coordinator');
  for (const [givenName, familyName, birthDate] of NAMES) {
    await buildCase(t.ctx, { person: { givenName, familyName, birthDate, documents: [], family: [] } });
  }
  await runner.runUntilIdle();
}, 300_000);
afterAll(async () => t.close());

describe('watchlist imports need a second person', () => {
  const probe = NAMES.map(([givenName, familyName, birthDate], i) =>
    JSON.stringify({ id: `p${i}`, givenName, familyName, birthDate }),
  ).join('\n');

  it('raises no signal from one officer’s upload until someone else approves it', async () => {
    const res = await upload(
      officer,
      { label: 'Known infiltrators', source: 'Partner NGO, 2026-12-01' },
      probe,
    );
    expect(res.statusCode).toBe(303);
    await runner.runUntilIdle();
    expect(await watchlistSignals()).toHaveLength(0);
    expect((await pendingApproval()).status).toBe('pending');
  });

  it('refuses the importer’s own approval, over HTTP and in the service', async () => {
    const { id } = await pendingApproval();
    const res = await officer.client.post(`/staff/cases/approvals/${id}/approve?lang=en`, {
      _csrf: officer.csrf,
    });
    expect(res.statusCode).toBe(404);
    await expect(decideApproval(t.ctx, staffActor(officer.staff), id, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await runner.runUntilIdle();
    expect(await watchlistSignals()).toHaveLength(0);
    expect((await pendingApproval()).status).toBe('pending');
    // Nor does the importer see an approve button for their own import.
    const page = await officer.client.get('/staff/vetting/watchlists?lang=en');
    expect(page.body).not.toContain(`/staff/cases/approvals/${id}/approve`);
  });

  it('shows coordinators the pending import with its provenance; once approved, it is matched', async () => {
    const { id, watchlist_id } = await pendingApproval();
    const page = await coordinator.client.get('/staff/vetting/watchlists?lang=en');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Partner NGO, 2026-12-01');
    expect(page.body).toContain(officer.staff.email);
    expect(page.body).toContain('waiting for approval');
    expect(page.body).toContain(`/staff/cases/approvals/${id}/approve`);
    const res = await coordinator.client.post(`/staff/cases/approvals/${id}/approve?lang=en`, {
      _csrf: coordinator.csrf,
    });
    expect(res.statusCode).toBe(303);
    await runner.runUntilIdle();
    expect((await watchlistSignals()).length).toBeGreaterThanOrEqual(NAMES.length);
    const [list] = (await listWatchlists(t.ctx, staffActor(coordinator.staff))).filter(
      (w) => w.id === watchlist_id,
    );
    expect(list).toMatchObject({
      status: 'active',
      source: 'Partner NGO, 2026-12-01',
      importedBy: officer.staff.email,
      approvedBy: coordinator.staff.email,
    });
    // The declared source is stored encrypted.
    const row = await t.ctx.database.db
      .selectFrom('watchlists')
      .select('source_enc')
      .where('id', '=', watchlist_id!)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.source_enc!).toString('latin1')).not.toContain('Partner NGO');
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('target', '=', `watchlist:${watchlist_id}`)
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { actor: officer.staff.id, action: 'vetting.watchlist_import' },
      { actor: coordinator.staff.id, action: 'case.approval_approve' },
    ]);
  });

  it('lets a second vetting officer reject an import: its entries are deleted, nothing matched', async () => {
    const res = await upload(officer, { label: 'Another', source: 'Forwarded by a volunteer' }, probe);
    expect(res.statusCode).toBe(303);
    const { id, watchlist_id } = await pendingApproval();
    const before = (await watchlistSignals()).length;
    const decided = await officer2.client.post(`/staff/cases/approvals/${id}/reject?lang=en`, {
      _csrf: officer2.csrf,
    });
    expect(decided.statusCode).toBe(303);
    await runner.runUntilIdle();
    expect(await watchlistSignals()).toHaveLength(before);
    const entries = await t.ctx.database.db
      .selectFrom('watchlist_entries')
      .select('id')
      .where('watchlist_id', '=', watchlist_id!)
      .execute();
    expect(entries).toHaveLength(0);
  });

  it('refuses a list over the cap with a translated error, storing nothing', async () => {
    const lines = Array.from({ length: MAX_WATCHLIST_ENTRIES + 1 }, (_, i) =>
      JSON.stringify({ id: `x${i}`, givenName: 'Иван', familyName: `Фамилия${i}` }),
    ).join('\n');
    const count = async () =>
      (await t.ctx.database.db.selectFrom('watchlists').select('id').execute()).length;
    const before = await count();
    for (const [lang, text] of [
      ['en', `more than ${MAX_WATCHLIST_ENTRIES} entries`],
      ['ru', `больше ${MAX_WATCHLIST_ENTRIES} записей`],
    ] as const) {
      const form = multipart([
        { name: '_csrf', value: officer.csrf },
        { name: 'label', value: 'Everyone' },
        { name: 'source', value: 'Leaked database' },
        { name: 'file', file: Buffer.from(lines), filename: 'all.jsonl', type: 'application/octet-stream' },
      ]);
      const res = await t.app.inject({
        method: 'POST',
        url: `/staff/vetting/watchlists?lang=${lang}`,
        headers: { cookie: officer.client.cookieHeader, 'content-type': form.contentType },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(text);
    }
    expect(await count()).toBe(before);
  });

  it('refuses an import without a declared source', async () => {
    const res = await upload(officer, { label: 'No source', source: '' }, `{"id":"${randomUUID()}"}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Say where the list comes from');
  });

  it('raises no more signals from a list that reached its cap', async () => {
    const res = await upload(officer, { label: 'Capped', source: 'Partner NGO, second list' }, probe);
    expect(res.statusCode).toBe(303);
    const { id, watchlist_id } = await pendingApproval();
    const db = t.ctx.database.db;
    const entries = await db
      .selectFrom('watchlist_entries')
      .select('id')
      .where('watchlist_id', '=', watchlist_id!)
      .execute();
    const caseRow = await db.selectFrom('cases').select('id').executeTakeFirstOrThrow();
    // The list has already raised its quota of signals (as if earlier cases had matched it).
    const key = await openVettingKey(t.ctx, db);
    for (let i = 0; i < MAX_WATCHLIST_SIGNALS; i++) {
      await upsertSignal(db, {
        kind: 'watchlist',
        pairKey: `earlier-${i}`,
        caseIds: [caseRow.id],
        watchlistEntryId: entries[0]!.id,
        score: 0.95,
        detail: (rowId) =>
          encryptField(key, '{"type":"private"}', { table: 'vetting_signals', column: 'detail', rowId }),
      });
    }
    key.dispose();
    const mine = () =>
      db
        .selectFrom('vetting_signals as s')
        .innerJoin('watchlist_entries as e', 'e.id', 's.watchlist_entry_id')
        .select('s.id')
        .where('e.watchlist_id', '=', watchlist_id!)
        .execute();
    await decideApproval(t.ctx, staffActor(coordinator.staff), id, 'approve');
    await runner.runUntilIdle();
    expect(await mine()).toHaveLength(MAX_WATCHLIST_SIGNALS);
  });
});
