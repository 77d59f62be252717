import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp } from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { createAppJobRunner } from '../../server.ts';
import { listQueue } from '../cases/index.ts';
import type { JobRunner } from '../jobs/index.ts';
import { createClkEncoder, encodingHeader, exportEncoding } from '../linkage/index.ts';

let t: TestApp;
let runner: JobRunner;
let officer: { client: Client; csrf: string };
let coordinator: { client: Client; csrf: string };
let caseworkerId: string;
const refs: Record<string, string> = {};

async function signIn(role: 'vetting_officer' | 'coordinator' | 'caseworker') {
  const { client, staff } = await loginAs(t, role);
  const page = await client.get('/staff/login');
  return { client, csrf: Client.csrfOf(page.body), staff };
}

function multipart(fields: Record<string, string>): { payload: string; type: string } {
  const boundary = `----v${randomUUID()}`;
  let payload = '';
  for (const [name, value] of Object.entries(fields)) {
    payload += `--${boundary}\r\n`;
    payload +=
      name === 'file'
        ? 'Content-Disposition: form-data; name="file"; filename="w.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n'
        : `Content-Disposition: form-data; name="${name}"\r\n\r\n`;
    payload += `${value}\r\n`;
  }
  return { payload: `${payload}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

async function upload(fields: Record<string, string>) {
  const { payload, type } = multipart({
    _csrf: officer.csrf,
    source: 'Partner NGO, received by hand',
    ...fields,
  });
  return t.app.inject({
    method: 'POST',
    url: '/staff/vetting/watchlists?lang=en',
    headers: { cookie: officer.client.cookieHeader, 'content-type': type },
    payload,
  });
}

/** A second person (the coordinator) approves every pending import (ADR 0095). */
async function approvePendingImports() {
  const page = await coordinator.client.get('/staff/vetting/watchlists?lang=en');
  const actions = [...page.body.matchAll(/action="(\/staff\/cases\/approvals\/[0-9a-f-]+\/approve)\?/g)];
  expect(actions.length).toBeGreaterThan(0);
  for (const [, action] of actions) {
    const res = await coordinator.client.post(`${action}?lang=en`, { _csrf: coordinator.csrf });
    expect(res.statusCode).toBe(303);
  }
}

async function versionOf(id: string | undefined): Promise<string> {
  const row = await t.ctx.database.db
    .selectFrom('vetting_signals')
    .select('version')
    .where('id', '=', id!)
    .executeTakeFirstOrThrow();
  return String(row.version);
}

async function signalIds(kind: 'duplicate' | 'shared_phone' | 'codenames' | 'watchlist'): Promise<string[]> {
  const rows = await t.ctx.database.db
    .selectFrom('vetting_signals')
    .select('id')
    .where('kind', '=', kind)
    .execute();
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  t = await buildTestApp();
  runner = createAppJobRunner(t.ctx);
  officer = await signIn('vetting_officer');
  coordinator = await signIn('coordinator');
  const cw = await signIn('caseworker');
  caseworkerId = cw.staff.id;
  const team = await buildTeam(t.ctx, { members: [caseworkerId] });
  const person = (p: Record<string, string>) => ({ documents: [], family: [], ...p });
  const a = await buildCase(t.ctx, {
    teamId: team,
    assigneeId: caseworkerId,
    person: person({
      givenName: 'Александр',
      familyName: 'Орлов',
      birthDate: '1990-04-12',
      phone: '+7 916 555 12 34',
    }),
  });
  const b = await buildCase(t.ctx, {
    teamId: team,
    assigneeId: caseworkerId,
    person: person({
      givenName: 'Саша',
      familyName: 'Orlov',
      birthDate: '1990-12-04',
      phone: '8 916 555 12 34',
    }),
  });
  refs.a = a.ref;
  refs.b = b.ref;
  await runner.runUntilIdle();
}, 300_000);
afterAll(async () => t.close());

describe('vetting pages', () => {
  it('lists the duplicate in the queue for officers and coordinators, in every language', async () => {
    for (const [lang, text] of [
      ['en', 'Possible duplicate'],
      ['ru', 'Возможный дубликат'],
      ['uk', 'Можливий дублікат'],
    ] as const) {
      const res = await officer.client.get(`/staff/vetting?lang=${lang}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(text);
      expect(res.body).toContain(refs.a);
      // The page's heading once (issue 21: it was shown twice).
      expect(res.body.match(/<h1[ >]/g)).toHaveLength(1);
    }
    const nav = await officer.client.get('/staff?lang=en');
    expect(nav.body).toContain('href="/staff/vetting?lang=en"');
    expect((await coordinator.client.get('/staff/vetting?lang=en')).statusCode).toBe(200);
  });

  it('shows officers the explanation and identity fields, coordinators the explanation only', async () => {
    const [id] = await signalIds('duplicate');
    const asOfficer = await officer.client.get(`/staff/vetting/signals/${id}?lang=en`);
    expect(asOfficer.body).toContain('Weight (bits)');
    // The blocking keys the two share, one of them without the birth year (ADR 0075).
    expect(asOfficer.body).toContain('Blocking keys that agree exactly');
    expect(asOfficer.body).toContain('surname, birth day and month');
    expect(asOfficer.body).toContain('Орлов');
    expect(asOfficer.body).toContain('Record decision');
    // One page heading, and the decision's title once (a heading and a legend both said it).
    expect(asOfficer.body.match(/<h1[ >]/g)).toHaveLength(1);
    expect(asOfficer.body.split('Your decision')).toHaveLength(2);
    const asCoordinator = await coordinator.client.get(`/staff/vetting/signals/${id}?lang=en`);
    expect(asCoordinator.statusCode).toBe(200);
    expect(asCoordinator.body).toContain('Weight (bits)');
    expect(asCoordinator.body).not.toContain('Орлов');
    expect(asCoordinator.body).not.toContain('+7 916');
    expect(asCoordinator.body).not.toContain('Record decision');
  });

  it('refuses bad decisions with a translated 400 and writes nothing', async () => {
    const [id] = await signalIds('duplicate');
    const before = await t.ctx.database.db.selectFrom('vetting_decisions').select('id').execute();
    const cases: Array<Record<string, string>> = [
      { version: '1', decision: 'obliterate', reason: 'a long enough reason' },
      { version: '1', decision: 'same', reason: 'short' },
      { version: '1', decision: 'same', reason: 'x'.repeat(5000) },
      { version: 'abc', decision: 'same', reason: 'a long enough reason' },
    ];
    for (const form of cases) {
      const res = await officer.client.post(`/staff/vetting/signals/${id}/decision?lang=ru`, {
        _csrf: officer.csrf,
        ...form,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('lang="ru"');
    }
    const stale = await officer.client.post(`/staff/vetting/signals/${id}/decision?lang=en`, {
      _csrf: officer.csrf,
      version: '99',
      decision: 'same',
      reason: 'a long enough reason',
    });
    expect(stale.statusCode).toBe(409);
    const noCsrf = await officer.client.post(`/staff/vetting/signals/${id}/decision?lang=en`, {
      version: '1',
      decision: 'same',
      reason: 'a long enough reason',
    });
    expect(noCsrf.statusCode).toBe(403);
    for (const bad of ['not-a-uuid', '../../etc', `${randomUUID()}`]) {
      const res = await officer.client.get(`/staff/vetting/signals/${encodeURIComponent(bad)}?lang=en`);
      expect(res.statusCode).toBe(404);
    }
    expect(await t.ctx.database.db.selectFrom('vetting_decisions').select('id').execute()).toEqual(before);
  });

  it('records a decision with its reason (shown escaped), audits it, labels the pair, and touches no case', async () => {
    const db = t.ctx.database.db;
    const [id] = await signalIds('duplicate');
    const casesBefore = await db.selectFrom('cases').selectAll().orderBy('id').execute();
    const res = await officer.client.post(`/staff/vetting/signals/${id}/decision?lang=en`, {
      _csrf: officer.csrf,
      version: await versionOf(id),
      decision: 'same',
      reason: '<script>alert(1)</script> same phone and swapped date',
    });
    expect(res.statusCode).toBe(303);
    const page = await officer.client.get(`/staff/vetting/signals/${id}?lang=en`);
    expect(page.body).toContain('&lt;script');
    expect(page.body).not.toContain('<script>alert(1)');
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'target', 'reason'])
      .where('action', '=', 'vetting.decide')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.target).toBe(`signal:${id}`);
    expect(audit[0]!.reason).not.toContain('script');
    const reasonRow = await db.selectFrom('vetting_decisions').select('reason_enc').executeTakeFirstOrThrow();
    expect(Buffer.from(reasonRow.reason_enc).toString('latin1')).not.toContain('swapped date');
    expect(await db.selectFrom('linkage_labels').select('match').execute()).toEqual([{ match: true }]);
    // No signal or decision closes, rejects or hides a case.
    expect(await db.selectFrom('cases').selectAll().orderBy('id').execute()).toEqual(casesBefore);
    const queue = await listQueue(
      t.ctx,
      { kind: 'staff', id: caseworkerId, role: 'caseworker', sessionHash: Buffer.alloc(32) },
      {
        page: 1,
      } as never,
    );
    expect(queue.items.map((i) => i.ref).sort()).toEqual([refs.a, refs.b].sort());
    // A second decision on a decided signal is a conflict.
    const again = await officer.client.post(`/staff/vetting/signals/${id}/decision?lang=en`, {
      _csrf: officer.csrf,
      version: await versionOf(id),
      decision: 'different',
      reason: 'changing my mind here',
    });
    expect(again.statusCode).toBe(409);
  });

  it('feeds the decision to the next model estimate', async () => {
    const db = t.ctx.database.db;
    await db
      .updateTable('jobs')
      .set({ run_after: new Date(Date.now() - 1000) })
      .where('kind', '=', 'linkage.estimate')
      .execute();
    await runner.runUntilIdle();
    const model = await db.selectFrom('linkage_models').select(['matches', 'non_matches']).execute();
    expect(model).toEqual([{ matches: 1, non_matches: 0 }]);
  });

  it('imports a plain watchlist and raises a watchlist signal for the matching case', async () => {
    const file = [
      JSON.stringify({
        id: 'partner-17',
        givenName: 'Aleksandr',
        familyName: 'Orlov',
        birthDate: '1990-04-12',
      }),
      JSON.stringify({
        id: 'partner-18',
        givenName: 'Мария',
        familyName: 'Смирнова',
        birthDate: '1985-01-01',
      }),
    ].join('\n');
    const res = await upload({ label: 'Shared list', file });
    expect(res.statusCode).toBe(303);
    const stored = await t.ctx.database.db.selectFrom('watchlist_entries').select('entry_enc').execute();
    expect(stored).toHaveLength(2);
    for (const s of stored) expect(Buffer.from(s.entry_enc).toString('latin1')).not.toContain('Orlov');
    await approvePendingImports();
    await runner.runUntilIdle();
    const [id] = await signalIds('watchlist');
    expect(id).toBeDefined();
    const page = await officer.client.get(`/staff/vetting/signals/${id}?lang=en`);
    expect(page.body).toContain('partner-17');
  });

  it('imports encodings made with the shared secret, and refuses another secret or a bad line', async () => {
    const secret = Buffer.alloc(32, 9);
    const encoder = createClkEncoder(secret);
    const lines = [
      JSON.stringify(encodingHeader(encoder)),
      exportEncoding(
        encoder.encode({
          id: 'clk-1',
          givenName: 'Alexander',
          familyName: 'Orlov',
          birthDate: '1990-04-12',
          phone: '+79165551234',
        }),
      ),
    ];
    const wrong = await upload({
      label: 'CLK',
      secret: Buffer.alloc(32, 1).toString('hex'),
      file: lines.join('\n'),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('fingerprints differ');
    const none = await upload({ label: 'CLK', file: lines.join('\n') });
    expect(none.statusCode).toBe(400);
    const badLine = await upload({
      label: 'CLK',
      secret: secret.toString('hex'),
      file: `${lines.join('\n')}\n{"id":3}`,
    });
    expect(badLine.statusCode).toBe(400);
    expect(badLine.body).toContain('line 3');
    const plainBad = await upload({ label: 'Plain', file: '{"id":"ok"}\nnot json at all\n' });
    expect(plainBad.statusCode).toBe(400);
    expect(plainBad.body).toContain('line 2');
    expect(await t.ctx.database.db.selectFrom('watchlists').select('id').execute()).toHaveLength(1);
    const ok = await upload({ label: 'CLK', secret: secret.toString('hex'), file: lines.join('\n') });
    expect(ok.statusCode).toBe(303);
    const list = await t.ctx.database.db
      .selectFrom('watchlists')
      .select(['secret_enc'])
      .where('format', '=', 'clk')
      .executeTakeFirstOrThrow();
    expect(Buffer.from(list.secret_enc!).includes(secret)).toBe(false);
    await approvePendingImports();
    await runner.runUntilIdle();
    const rows = await t.ctx.database.db
      .selectFrom('vetting_signals')
      .select('detail_enc')
      .where('kind', '=', 'watchlist')
      .execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });
});
