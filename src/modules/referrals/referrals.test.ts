import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  type Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildPartner, buildTeam, staffActor } from '../../../test/support/factories.ts';
import type { ReferralState } from '../../db/types.ts';
import { getAccessLog } from '../case-access/index.ts';
import { scoreCandidates } from './matching.ts';
import { findMatchCandidates, type PartnerRow } from './referrals.repository.ts';
import { REFERRAL_STATES } from './referrals.schemas.ts';
import { buildPacket, runReferralDeadlines, weekOf } from './referrals.service.ts';
import { canTransition } from './referrals.workflow.ts';
import { type RemoteReferralSender, registerRemoteReferralSender } from './remote-senders.ts';

/**
 * The referral network end to end on a real database: a partner added, vetted by a second
 * person, matched, consented, approved by a second staff member, sent, answered in the partner
 * portal; withdrawal and flagging end the partner's access at once; deadlines remind and expire.
 */
let t: TestApp;
let caseworker: TestStaff;
let coordinator: TestStaff;
let colleague: TestStaff;
let officer: TestStaff;
let hostAccount: TestStaff;
let otherAccount: TestStaff;
let cw: Client;
let co: Client;
let cw2: Client;
let vo: Client;
let host: Client;
let other: Client;
let caseRef: string;
let partnerId: string;

const nextWeek = () => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + 7);
  return d.toISOString().slice(0, 10);
};
const csrf = async (c: Client, url: string) => {
  const page = await c.get(url);
  const m = /name="_csrf" value="([^"]+)"/.exec(page.body);
  if (m?.[1] === undefined) throw new Error(`no form on ${url}: ${page.statusCode}`);
  return m[1];
};
const referralIdsOf = (html: string) =>
  [...html.matchAll(/id="referral-([0-9a-f-]{36})"/g)].map((x) => x[1]!);
const count = async (table: 'referrals' | 'referral_events' | 'partners') =>
  Number(
    (
      await t.ctx.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await buildTestApp();
  [caseworker, colleague, coordinator, officer, hostAccount, otherAccount] = await Promise.all([
    buildStaff(t.ctx, 'caseworker'),
    buildStaff(t.ctx, 'caseworker'),
    buildStaff(t.ctx, 'coordinator'),
    buildStaff(t.ctx, 'vetting_officer'),
    buildStaff(t.ctx, 'partner'),
    buildStaff(t.ctx, 'partner'),
  ]);
  [cw, cw2, co, vo, host, other] = (await Promise.all(
    [caseworker, colleague, coordinator, officer, hostAccount, otherAccount].map((s) =>
      signInClient(t.app, s),
    ),
  )) as [Client, Client, Client, Client, Client, Client];
  const teamId = await buildTeam(t.ctx, { name: 'Referrals team', members: [caseworker.id, colleague.id] });
  const c = await buildCase(t.ctx, {
    person: {
      givenName: 'Павел',
      familyName: 'Секретов',
      phone: '+79120000001',
      documents: [{ type: 'passport', number: '4512345678' }],
      family: [
        { relation: 'wife', name: 'Анна' },
        { relation: 'son', name: 'Миша' },
      ],
    },
    story: 'story-not-for-partners',
    assigneeId: caseworker.id,
    teamId,
  });
  caseRef = c.ref;

  // Another partner (vetted, in the same city) whose account must never see this case's referral.
  await buildPartner(t.ctx, {
    vettedBy: officer.id,
    members: [otherAccount.id],
    form: { name: 'Other host' },
  });
}, 120_000);
afterAll(async () => {
  registerRemoteReferralSender(undefined);
  await t.close();
});

describe('the transition table', () => {
  it('allows exactly the documented transitions, and only withdrawal while paused', () => {
    const allowed = new Set([
      'draft>consent_recorded',
      'draft>withdrawn',
      'consent_recorded>sent',
      'consent_recorded>withdrawn',
      'sent>accepted',
      'sent>declined',
      'sent>withdrawn',
      'sent>expired',
      'accepted>in_progress',
      'accepted>withdrawn',
      'in_progress>completed',
      'in_progress>withdrawn',
    ]);
    for (const from of REFERRAL_STATES) {
      for (const to of REFERRAL_STATES) {
        expect(canTransition(from, to), `${from}>${to}`).toBe(allowed.has(`${from}>${to}`));
        expect(canTransition(from, to, true), `paused ${from}>${to}`).toBe(
          allowed.has(`${from}>${to}`) && to === 'withdrawn',
        );
      }
    }
  });
});

describe('the packet and the ranking', () => {
  it('holds only the consented, allow-listed fields', () => {
    const request = { people: 3, arrival: '2026-12-17', languages: ['ru'], needs: ['families'], note: 'n' };
    const person = { fullName: 'Павел Секретов', documents: ['passport 4512345678'], phone: '+79120000001' };
    expect(buildPacket(['people', 'arrival_week', 'story', 'given_name'], request, person)).toEqual({
      people: 3,
      arrival_week: weekOf('2026-12-17'),
    });
    expect(weekOf('2026-12-17')).toBe('2026-12-14');
    expect(buildPacket(['full_name', 'arrival_date'], request, person)).toEqual({
      full_name: 'Павел Секретов',
      arrival_date: '2026-12-17',
    });
  });

  it('ranks on soft constraints and says why', () => {
    const row = (id: string, over: Partial<PartnerRow>): PartnerRow =>
      ({
        id,
        kind: 'host',
        country: 'GE',
        languages: ['ka'],
        specialties: [],
        capacity_places: 3,
        capacity_from: null,
        capacity_until: null,
        accepted_count: 0,
        declined_count: 0,
        completed_count: 0,
        ...over,
      }) as PartnerRow;
    const ranked = scoreCandidates(
      [
        row('a', {}),
        row('b', { languages: ['ru'], specialties: ['families'] }),
        row('c', { languages: ['ru'], declined_count: 5 }),
      ],
      { country: 'GE', city: '', kind: '', people: 3, languages: ['ru'], specialties: [], destination: true },
    );
    expect(ranked.map((r) => r.row.id)).toEqual(['b', 'c', 'a']);
    expect(ranked[0]!.reasons.map((r) => r.key)).toContain('referrals.why.family');
    expect(ranked[1]!.reasons.find((r) => r.key === 'referrals.why.history')?.params).toEqual({
      accepted: 0,
      declined: 5,
      completed: 0,
    });
  });
  it('SQL ranks as scoreCandidates: the same best rows, the same scores, the same count', async () => {
    // 60 vetted partners in a country of their own, with every soft criterion varied
    // (deterministic pseudo-random), ranked by the SQL formula and by the JavaScript one.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(list: readonly T[]) => [...new Set(list.filter(() => rnd(2) === 0))];
    const rows = Array.from({ length: 60 }, () => ({
      id: randomUUID(),
      kind: (['host', 'lawyer', 'shelter'] as const)[rnd(3)]!,
      country: 'ZZ',
      languages: pick(['ru', 'uk', 'en', 'ka']),
      specialties: pick(['deserters', 'families', 'women', 'lgbt']),
      capacity_places: rnd(7),
      vetting_status: 'vetted' as const,
      vouched_by: caseworker.id,
      vetted_by: officer.id,
      vetted_at: new Date(),
      details_enc: Buffer.from('not read by matching'),
      accepted_count: rnd(9),
      declined_count: rnd(4) === 0 ? 0 : rnd(9),
      completed_count: rnd(9),
    }));
    await t.ctx.database.db.insertInto('partners').values(rows).execute();
    const queries: Array<{ people: number; languages: string[]; specialties: string[]; kind?: string }> = [
      { people: 1, languages: [], specialties: [] },
      { people: 3, languages: ['ru'], specialties: [] },
      { people: 2, languages: ['uk', 'en'], specialties: ['deserters', 'women'] },
      { people: 2, languages: [], specialties: ['families'], kind: 'host' },
    ];
    for (const q of queries) {
      const sqlRanked = await findMatchCandidates(t.ctx.database.db, { country: 'ZZ', ...q }, 10);
      const all = rows.filter(
        (r) =>
          r.capacity_places >= q.people &&
          (q.kind === undefined || r.kind === q.kind) &&
          (q.languages.length === 0 || r.languages.some((l) => q.languages.includes(l))),
      );
      const jsRanked = scoreCandidates(all as unknown as PartnerRow[], {
        country: 'ZZ',
        city: '',
        kind: '',
        people: q.people,
        languages: q.languages as never,
        specialties: q.specialties as never,
        destination: false,
      });
      expect(sqlRanked.total, JSON.stringify(q)).toBe(all.length);
      expect(sqlRanked.rows.map((r) => r.id)).toEqual(jsRanked.slice(0, 10).map((r) => r.row.id));
    }
  });
});

describe('a referral from the directory to the partner portal', () => {
  it('adds a partner that only a second person may vet', async () => {
    const token = await csrf(cw, '/staff/referrals/partners/new?lang=en');
    const before = await count('partners');
    const bad = await cw.post('/staff/referrals/partners?lang=en', {
      _csrf: token,
      kind: 'host',
      country: 'Georgia',
      contactMethod: 'signal',
    });
    expect(bad.statusCode).toBe(400);
    expect(await count('partners')).toBe(before);
    const res = await cw.post('/staff/referrals/partners?lang=en', {
      _csrf: token,
      kind: 'host',
      name: 'Гиорги Тбилисский',
      country: 'ge',
      city: 'Тбилиси',
      languages: 'ru',
      specialties: 'families',
      capacityPlaces: '3',
      contactMethod: 'signal',
      contact: '@giorgi.example',
    });
    expect(res.statusCode).toBe(303);
    partnerId = /partners\/([0-9a-f-]{36})/.exec(res.headers.location as string)![1]!;
    // The voucher is not a vetting officer: 404; the officer vets it.
    const vetToken = await csrf(vo, `/staff/referrals/partners/${partnerId}?lang=en`);
    const cwToken = await csrf(cw, `/staff/referrals/partners/${partnerId}?lang=en`);
    expect(
      (
        await cw.post(`/staff/referrals/partners/${partnerId}/vetting?lang=en`, {
          _csrf: cwToken,
          decision: 'vet',
        })
      ).statusCode,
    ).toBe(404);
    const vet = await vo.post(`/staff/referrals/partners/${partnerId}/vetting?lang=en`, {
      _csrf: vetToken,
      decision: 'vet',
    });
    expect(vet.statusCode).toBe(303);
    // Linked to the host's account by a coordinator.
    const coToken = await csrf(co, `/staff/referrals/partners/${partnerId}?lang=en`);
    expect(
      (
        await co.post(`/staff/referrals/partners/${partnerId}/members?lang=en`, {
          _csrf: coToken,
          staffId: hostAccount.id,
        })
      ).statusCode,
    ).toBe(303);
    // Found by its city written in Latin letters (blind index on the script-blind key).
    const dir = await cw.get('/staff/referrals?lang=en&city=Tbilisi');
    expect(dir.body).toContain('Гиорги Тбилисский');
    expect(dir.body).toContain('Other host');
    expect((await cw.get('/staff/referrals?lang=en&city=Batumi')).body).not.toContain('Гиорги');
  });

  it('finds the vetted host in Tbilisi for a family of three arriving next week, and explains why', async () => {
    const page = await cw.get(
      `/staff/referrals/cases/${caseRef}?lang=en&country=GE&city=Tbilisi&arrival=${nextWeek()}&languages=ru`,
    );
    expect(page.statusCode).toBe(200);
    // The family size comes from the case: the person and two relatives.
    expect(page.body).toContain('name="people" value="3"');
    expect(page.body).toMatch(
      new RegExp(`data-partner="${partnerId}"[\\s\\S]*?room for 3[\\s\\S]*?speaks ru`),
    );
    const tooMany = await cw.get(`/staff/referrals/cases/${caseRef}?lang=en&country=GE&people=5`);
    expect(tooMany.body).not.toContain(`data-partner="${partnerId}"`);
  });

  it('drafts, records consent, needs a second staff member for the real name, and sends', async () => {
    const token = await csrf(cw, `/staff/referrals/cases/${caseRef}?lang=en`);
    const made = await cw.post(`/staff/referrals/cases/${caseRef}?lang=en`, {
      _csrf: token,
      partnerId,
      people: '3',
      arrival: nextWeek(),
      languages: 'ru',
    });
    expect(made.statusCode).toBe(303);
    const [id] = referralIdsOf((await cw.get(`/staff/referrals/cases/${caseRef}?lang=en`)).body);
    const base = `/staff/referrals/cases/${caseRef}/${id}`;
    const consent = new URLSearchParams({
      _csrf: token,
      via: 'phone',
      on: new Date().toISOString().slice(0, 10),
    });
    for (const f of ['people', 'arrival_week', 'full_name']) consent.append('fields', f);
    const res = await t.app.inject({
      method: 'POST',
      url: `${base}/consent?lang=en`,
      headers: { cookie: cw.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
      payload: consent.toString(),
    });
    expect(res.statusCode).toBe(303);
    // Sending before the second approval, or approving one's own draft: refused, nothing changes.
    const events = await count('referral_events');
    expect((await cw.post(`${base}/send?lang=en`, { _csrf: token })).statusCode).toBe(409);
    expect((await cw.post(`${base}/approve?lang=en`, { _csrf: token })).statusCode).toBe(409);
    expect(await count('referral_events')).toBe(events);
    const cw2Token = await csrf(cw2, `/staff/referrals/cases/${caseRef}?lang=en`);
    expect((await cw2.post(`${base}/approve?lang=en`, { _csrf: cw2Token })).statusCode).toBe(303);
    expect((await cw.post(`${base}/send?lang=en`, { _csrf: token })).statusCode).toBe(303);
  });

  it('shows the host only its referral and only the consented fields; the other partner gets 404', async () => {
    for (const lang of ['ru', 'uk', 'en']) {
      const list = await host.get(`/staff/partner?lang=${lang}`);
      expect(list.statusCode, lang).toBe(200);
    }
    const list = await host.get('/staff/partner?lang=en');
    const id = /data-referral="([0-9a-f-]{36})"/.exec(list.body)![1]!;
    const page = await host.get(`/staff/partner/referrals/${id}?lang=en`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Павел Секретов');
    expect(page.body).toContain(`data-field="arrival_week">${weekOf(nextWeek())}`);
    for (const secret of ['story-not-for-partners', '4512345678', '+79120000001', nextWeek(), caseRef]) {
      expect(page.body, secret).not.toContain(secret);
    }
    expect((await other.get(`/staff/partner/referrals/${id}?lang=en`)).statusCode).toBe(404);
    expect((await other.get('/staff/partner?lang=en')).body).not.toContain(id);
    // The host accepts in Russian; the caseworker sees it on the case timeline and in the access log.
    const token = await csrf(host, `/staff/partner/referrals/${id}?lang=ru`);
    const otherToken = await csrf(other, '/staff/partner?lang=en');
    expect(
      (
        await other.post(`/staff/partner/referrals/${id}/respond?lang=en`, {
          _csrf: otherToken,
          decision: 'accept',
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await host.post(`/staff/partner/referrals/${id}/respond?lang=ru`, {
          _csrf: token,
          decision: 'accept',
        })
      ).statusCode,
    ).toBe(303);
    expect(
      (await host.post(`/staff/partner/referrals/${id}/message?lang=ru`, { _csrf: token, body: 'Ждём вас' }))
        .statusCode,
    ).toBe(303);
    const casePage = await cw.get(`/staff/cases/${caseRef}?lang=en`);
    expect(casePage.body).toContain('Accepted by the partner');
    expect(casePage.body).toContain('Ждём вас');
    expect(casePage.body).toContain(`/staff/referrals/cases/${caseRef}?lang=en`);
    const log = await getAccessLog(t.ctx, staffActor(coordinator), caseRef);
    const actions = log.map((e) => e.action);
    for (const a of [
      'referral.send',
      'referral.partner_read',
      'referral.accept',
      'referral.approve_disclosure',
    ]) {
      expect(actions, a).toContain(a);
    }
  });

  it('pauses the referral when the partner is flagged, and withdrawal ends its access at once', async () => {
    const list = await host.get('/staff/partner?lang=en');
    const id = /data-referral="([0-9a-f-]{36})"/.exec(list.body)![1]!;
    const vetToken = await csrf(vo, `/staff/referrals/partners/${partnerId}?lang=en`);
    expect(
      (
        await vo.post(`/staff/referrals/partners/${partnerId}/vetting?lang=en`, {
          _csrf: vetToken,
          decision: 'flag',
        })
      ).statusCode,
    ).toBe(303);
    expect((await host.get(`/staff/partner/referrals/${id}?lang=en`)).statusCode).toBe(404);
    expect((await cw.get(`/staff/referrals/cases/${caseRef}?lang=en`)).body).toContain(
      'paused (partner under review)',
    );
    expect(
      (
        await vo.post(`/staff/referrals/partners/${partnerId}/vetting?lang=en`, {
          _csrf: vetToken,
          decision: 'vet',
        })
      ).statusCode,
    ).toBe(303);
    expect((await host.get(`/staff/partner/referrals/${id}?lang=en`)).statusCode).toBe(200);
    const token = await csrf(cw, `/staff/referrals/cases/${caseRef}?lang=en`);
    expect(
      (
        await cw.post(`/staff/referrals/cases/${caseRef}/${id}/withdraw?lang=en`, {
          _csrf: token,
          reason: '',
        })
      ).statusCode,
    ).toBe(303);
    expect((await host.get(`/staff/partner/referrals/${id}?lang=en`)).statusCode).toBe(404);
    const row = await t.ctx.database.db
      .selectFrom('referrals')
      .select(['state', 'packet_enc'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'withdrawn', packet_enc: null });
  });
});

describe('deadlines and reports', () => {
  it('reminds on the day the answer is due, expires later, and counts it for coordinators', async () => {
    const vettedHost = await buildPartner(t.ctx, { vettedBy: officer.id, form: { name: 'Slow host' } });
    const { createReferral, recordConsent, sendReferral } = await import('./referrals.service.ts');
    const actor = staffActor(caseworker);
    const made = await createReferral(t.ctx, actor, caseRef, {
      partnerId: vettedHost,
      people: '3',
      respondBy: '2026-01-10',
    });
    await recordConsent(t.ctx, actor, caseRef, made.id, { fields: 'people', via: 'inbox', on: '2026-01-05' });
    await sendReferral(t.ctx, actor, caseRef, made.id, new Date('2026-01-05T10:00:00Z'));
    const state = async () =>
      (
        await t.ctx.database.db
          .selectFrom('referrals')
          .select('state')
          .where('id', '=', made.id)
          .executeTakeFirstOrThrow()
      ).state as ReferralState;
    expect(await runReferralDeadlines(t.ctx, new Date('2026-01-09T12:00:00Z'))).toEqual({
      reminded: 0,
      expired: 0,
    });
    expect(await runReferralDeadlines(t.ctx, new Date('2026-01-10T12:00:00Z'))).toEqual({
      reminded: 1,
      expired: 0,
    });
    expect(await runReferralDeadlines(t.ctx, new Date('2026-01-11T12:00:00Z'))).toEqual({
      reminded: 0,
      expired: 0,
    });
    expect(await state()).toBe('sent');
    const report = await co.get('/staff/referrals/reports?lang=en');
    expect(report.body).toMatch(/id="unanswered">[^<]*<strong>1<\/strong>/);
    expect(await runReferralDeadlines(t.ctx, new Date('2026-01-13T12:00:00Z'))).toEqual({
      reminded: 0,
      expired: 1,
    });
    expect(await state()).toBe('expired');
    expect((await cw.get('/staff/referrals/reports?lang=en')).statusCode).toBe(404);
  });

  it('hands a referral to another Sanctuary server through the registered sender only', async () => {
    const peerId = randomUUID();
    const sent: unknown[] = [];
    const fake: RemoteReferralSender = {
      send: async (_ctx, _trx, _actor, r) => void sent.push(r),
      withdraw: async () => {},
      peers: async () => [{ id: peerId, label: 'Peer', fingerprint: 'f' }],
      incoming: async () => undefined,
      answer: async () => {},
    };
    registerRemoteReferralSender(undefined);
    // Without federation there is no peer to choose: another Sanctuary server cannot be added.
    await expect(
      buildPartner(t.ctx, {
        vettedBy: officer.id,
        form: { kind: 'sanctuary_server', name: 'Partner server', contactMethod: 'sanctuary_server', peerId },
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', fields: { peerId: 'referrals.partner.peer' } });
    registerRemoteReferralSender(fake);
    const remote = await buildPartner(t.ctx, {
      vettedBy: officer.id,
      form: { kind: 'sanctuary_server', name: 'Partner server', contactMethod: 'sanctuary_server', peerId },
    });
    const { createReferral, recordConsent, sendReferral } = await import('./referrals.service.ts');
    const actor = staffActor(caseworker);
    const made = await createReferral(t.ctx, actor, caseRef, { partnerId: remote, people: '3' });
    await recordConsent(t.ctx, actor, caseRef, made.id, {
      fields: ['people', 'needs'],
      via: 'in_person',
      on: '2026-01-05',
    });
    registerRemoteReferralSender(undefined);
    await expect(sendReferral(t.ctx, actor, caseRef, made.id)).rejects.toMatchObject({ code: 'conflict' });
    registerRemoteReferralSender(fake);
    await sendReferral(t.ctx, actor, caseRef, made.id);
    expect(sent).toEqual([
      expect.objectContaining({
        referralId: made.id,
        peerId,
        packet: { people: 3, needs: [] },
        consent: { fields: ['people', 'needs'], on: '2026-01-05', via: 'in_person' },
      }),
    ]);
  });
});
