import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import type { StaffActor } from '../../access/index.ts';
import { getAccessLog } from '../case-access/index.ts';
import { getCaseFile } from '../cases/index.ts';
import { eraseCase } from '../retention/index.ts';
import { countPathwayDestinations, currentPathway } from './case-pathways.destinations.ts';
import { countryLabel, getKnowledgeBase, ISO_COUNTRY_CODES, isCountryCode } from '../pathways/index.ts';
import { type CaseForPathways, prefillFromCase } from './case-pathways.mapping.ts';
import { checkFormSchema, formValuesFromProfile, profileFromForm } from './case-pathways.schemas.ts';
import { getPathwaysCheckForm, runPathwaysCheck, savePathwaysCheck } from './case-pathways.service.ts';

const base: CaseForPathways = {
  applicantType: 'unknown',
  country: null,
  person: { documents: [], family: [] },
  answers: {},
};

describe('filling the profile from a case (pure)', () => {
  const cases: Array<{ name: string; input: Partial<CaseForPathways>; expect: Record<string, unknown> }> = [
    {
      name: 'an empty case leaves location and situation to choose',
      input: {},
      expect: { location: '', applicantType: '', documents: [] },
    },
    {
      name: "the case's country wins over intake's",
      input: { country: 'GE', answers: { country: 'AM' } },
      expect: { location: 'GE' },
    },
    {
      name: "intake's country when the case has none",
      input: { answers: { country: 'KZ' } },
      expect: { location: 'KZ' },
    },
    {
      name: 'intake\'s "OTHER" country is not a location',
      input: { answers: { country: 'OTHER' } },
      expect: { location: '' },
    },
    {
      name: "intake applicant type in the engine's words",
      input: { applicantType: 'soldier', answers: { applicant_type: 'mobilised' } },
      expect: { applicantType: 'mobilised' },
    },
    {
      name: 'a case "soldier" is not guessed',
      input: { applicantType: 'soldier' },
      expect: { applicantType: '' },
    },
    {
      name: 'a case "conscript" maps through',
      input: { applicantType: 'conscript' },
      expect: { applicantType: 'conscript' },
    },
    {
      name: 'intake documents, "none" ignored',
      input: { answers: { documents: 'internal_passport, none' } },
      expect: { documents: ['internal_passport'] },
    },
    {
      name: 'documents from the person record by keyword (ru, uk, en)',
      input: {
        person: {
          documents: [
            { type: 'загранпаспорт', number: '1' },
            { type: 'Військовий квиток', number: '2' },
            { type: 'internal passport', number: '3' },
          ],
          family: [],
        },
      },
      expect: { documents: ['internal_passport', 'foreign_passport', 'military_id'] },
    },
    {
      name: 'an unrecognised document type adds nothing',
      input: { person: { documents: [{ type: 'driving licence', number: '1' }], family: [] } },
      expect: { documents: [] },
    },
    {
      name: 'a deserter has left the unit',
      input: { answers: { applicant_type: 'deserter' } },
      expect: { hasLeftUnit: true },
    },
    {
      name: 'children and adults from the family list',
      input: {
        person: {
          documents: [],
          family: [
            { relation: 'дочь', name: 'A' },
            { relation: 'son', name: 'B' },
            { relation: 'жена', name: 'C' },
          ],
        },
      },
      expect: { adults: '1', children: '2' },
    },
  ];

  it.each(cases)('$name', ({ input, expect: want }) => {
    const { values } = prefillFromCase({ ...base, ...input });
    const flat = { ...values, ...values.flags };
    for (const [k, v] of Object.entries(want)) expect(flat[k as keyof typeof flat], k).toEqual(v);
  });

  it('never ticks a flag that could open or close a route on a guess', () => {
    const { values } = prefillFromCase({ ...base, answers: { urgency: 'date', deadline: '2026-12-01' } });
    expect(values.flags).toEqual({
      hasLeftUnit: false,
      criminalCaseOpened: false,
      onWantedList: false,
      calledUp: false,
      lawOfReturnEligible: false,
      passportInvalidated: false,
      summonsPosted: false,
    });
    expect(values.foreignPassportValidUntil).toBe('');
    // Age and stay are never guessed either (ADR 0060, 0097).
    expect([values.age, values.daysInLocation, values.lawfulStayDaysLeft]).toEqual(['', '', '']);
  });

  it('says where values came from and what to ask', () => {
    const { notes } = prefillFromCase({
      ...base,
      answers: { urgency: 'date', documents: 'foreign_passport' },
    });
    const keys = notes.map((n) => n.key);
    expect(keys).toContain('case_pathways.note.citizenship_assumed');
    expect(keys).toContain('case_pathways.note.passport_expiry');
    expect(keys).toContain('case_pathways.note.date_mentioned');
    expect(keys).toContain('case_pathways.note.flags_not_collected');
  });

  it('round-trips a profile through the form values', () => {
    const form = checkFormSchema.parse({
      citizenship: 'RU',
      location: 'GE',
      applicantType: 'conscript',
      documents: ['internal_passport', 'foreign_passport'],
      foreignPassportValidUntil: '2030-01-31',
      calledUp: '1',
      adults: '1',
      children: '0',
    });
    const profile = profileFromForm(form, 'en');
    const again = profileFromForm(checkFormSchema.parse(toBody(formValuesFromProfile(profile))), 'en');
    expect(again).toEqual(profile);
  });

  it('round-trips the situation model: the front, age, stay and the new flags (ADR 0097)', () => {
    const form = checkFormSchema.parse({
      citizenship: 'RU',
      location: 'front',
      applicantType: 'contract',
      documents: ['military_id', 'diplomatic_passport'],
      summonsPosted: '1',
      passportInvalidated: '1',
      age: '19',
      daysInLocation: '40',
      lawfulStayDaysLeft: '0',
    });
    const profile = profileFromForm(form, 'ru');
    expect(profile).toMatchObject({ location: 'front', age: 19, daysInLocation: 40, lawfulStayDaysLeft: 0 });
    expect(profile.summonsPosted && profile.passportInvalidated).toBe(true);
    const again = profileFromForm(checkFormSchema.parse(toBody(formValuesFromProfile(profile))), 'ru');
    expect(again).toEqual(profile);
  });

  it('refuses a location that is neither a country nor the front, and numbers out of range', () => {
    for (const bad of [
      { location: 'frontline' },
      { location: 'XX' },
      { age: '121' },
      { lawfulStayDaysLeft: '-1' },
      { daysInLocation: '99999' },
    ]) {
      const r = checkFormSchema.safeParse({
        citizenship: 'RU',
        location: 'GE',
        applicantType: 'other',
        ...bad,
      });
      expect(r.success, JSON.stringify(bad)).toBe(false);
    }
  });
});

function toBody(v: ReturnType<typeof formValuesFromProfile>): Record<string, unknown> {
  return {
    citizenship: v.citizenship,
    location: v.location,
    applicantType: v.applicantType,
    documents: v.documents,
    foreignPassportValidUntil: v.foreignPassportValidUntil,
    ...Object.fromEntries(
      Object.entries(v.flags)
        .filter(([, on]) => on)
        .map(([k]) => [k, '1']),
    ),
    adults: v.adults,
    children: v.children,
    age: v.age,
    daysInLocation: v.daysInLocation,
    lawfulStayDaysLeft: v.lawfulStayDaysLeft,
  };
}

describe('country codes', () => {
  it('holds the 249 assigned ISO 3166-1 codes, each with a name in ru, uk and en', () => {
    expect(new Set(ISO_COUNTRY_CODES).size).toBe(249);
    for (const code of ISO_COUNTRY_CODES) {
      for (const l of ['ru', 'uk', 'en'] as const)
        expect(countryLabel(code, l), `${code} ${l}`).not.toBe(code);
    }
    for (const bad of ['ZZ', 'XX', 'EU', 'UK', 'SU', 'ru', '', 'RUS'])
      expect(isCountryCode(bad), bad).toBe(false);
  });
});

describe('the pathway check service, on a real database', () => {
  let t: TestApp;
  let staff: TestStaff;
  let actor: StaffActor;
  let team: string;

  beforeAll(async () => {
    t = await buildTestApp();
    staff = await buildStaff(t.ctx, 'caseworker');
    actor = { kind: 'staff', id: staff.id, role: 'caseworker', sessionHash: Buffer.alloc(32) };
    team = await buildTeam(t.ctx, { members: [staff.id] });
  }, 120_000);
  afterAll(async () => t.close());

  const body = {
    citizenship: 'RU',
    location: 'RU',
    applicantType: 'conscript',
    documents: 'internal_passport',
  };

  it('reads the case into a form, runs the engine and saves a reproducible check', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: team, applicantType: 'conscript', country: 'RU' });
    const form = await getPathwaysCheckForm(t.ctx, actor, ref);
    expect(form.values).toMatchObject({ location: 'RU', applicantType: 'conscript' });
    expect(form.canSave).toBe(true);
    const run = await runPathwaysCheck(t.ctx, actor, ref, body, 'ru');
    expect(run.result.language).toBe('ru');
    expect(run.result.options.length).toBe((await getKnowledgeBase()).options.length);
    const saved = await savePathwaysCheck(
      t.ctx,
      actor,
      ref,
      { ...body, contentVersion: run.result.contentVersion },
      'ru',
    );
    const file = await getCaseFile(t.ctx, actor, ref);
    const entry = file.content?.timeline.find((i) => i.kind === 'pathways');
    expect(entry?.kind).toBe('pathways');
    if (entry?.kind !== 'pathways') return;
    expect(entry.check.id).toBe(saved.id);
    expect(entry.check.contentVersion).toBe(run.result.contentVersion);
    const stored = entry.check.check!;
    expect(stored.profile).toMatchObject({ location: 'RU', applicantType: 'conscript', language: 'ru' });
    // The stored outcome is what the engine says for that profile on that day.
    expect(stored.options.map((o) => [o.id, o.viable, o.risk])).toEqual(
      run.result.options.map((o) => [o.id, o.viable.value, o.risk.level]),
    );
    // Entries keep the timeline order: the check comes after the creation event.
    const seqs = file.content!.timeline.map((i) => i.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // Saving a check is an act on the case: it shows in the case's access log.
    const log = await getAccessLog(t.ctx, actor, ref);
    expect(log.map((e) => e.action)).toContain('case.pathways_check');
  });

  it('opens the row of a check with the binding of its own row only (AAD)', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: team });
    const version = (await getKnowledgeBase()).version;
    await savePathwaysCheck(t.ctx, actor, ref, { ...body, contentVersion: version }, 'en');
    await savePathwaysCheck(t.ctx, actor, ref, { ...body, location: 'KZ', contentVersion: version }, 'en');
    const rows = await t.ctx.database.db
      .selectFrom('case_pathway_checks')
      .selectAll()
      .where('case_id', '=', id)
      .orderBy('seq')
      .execute();
    // Swap the two ciphertexts: each must now fail to decrypt rather than show the other's profile.
    await t.ctx.database.db
      .updateTable('case_pathway_checks')
      .set({ payload_enc: rows[1]!.payload_enc })
      .where('id', '=', rows[0]!.id)
      .execute();
    await expect(getCaseFile(t.ctx, actor, ref)).rejects.toThrow();
  });

  it('counts cases by destination and route (encrypted, no case id), moved on a new check and an erasure', async () => {
    const db = t.ctx.database.db;
    const version = (await getKnowledgeBase()).version;
    const profiles = [
      { ...body, documents: ['internal_passport', 'foreign_passport'], location: 'RU' },
      { ...body, documents: ['internal_passport', 'foreign_passport'], location: 'KZ' },
      { ...body, location: 'AM' },
    ];
    // A team of its own, so that the other tests' checks are not in these counts.
    const own = await buildTeam(t.ctx, { members: [staff.id] });
    const cases: Array<{ id: string; ref: string }> = [];
    for (const profile of profiles) {
      const c = await buildCase(t.ctx, { teamId: own });
      await savePathwaysCheck(t.ctx, actor, c.ref, { ...profile, contentVersion: version }, 'en');
      cases.push(c);
    }
    const all = { from: '2000-01-03', to: '2100-01-04' };
    const counted = async () =>
      (await countPathwayDestinations(t.ctx, db, all))
        .filter((c) => c.team === own)
        .map((c) => `${c.team} ${c.key} ${c.count}`)
        .sort();
    // What each case's latest check says, decrypted case by case with its own key.
    const expected = async (ids: readonly string[]) => {
      const m = new Map<string, number>();
      for (const id of ids) {
        const p = await currentPathway(t.ctx, db, id);
        if (p !== null) m.set(`${p.country} · ${p.route}`, (m.get(`${p.country} · ${p.route}`) ?? 0) + 1);
      }
      return [...m].map(([k, n]) => `${own} ${k} ${n}`).sort();
    };
    const first = await expected(cases.map((c) => c.id));
    expect(first.length).toBeGreaterThan(0);
    expect(await counted()).toEqual(first);
    // A seized database: no destination and no case id in clear beside the counts.
    const rows = await db.selectFrom('pathway_destination_counts').selectAll().execute();
    const bytes = Buffer.concat(rows.map((r) => Buffer.from(r.body_enc)));
    for (const line of first) {
      const [, country, , route] = line.split(' ');
      expect(bytes.includes(Buffer.from(`${country}|${route}`))).toBe(false);
    }
    for (const c of cases) expect(bytes.includes(Buffer.from(c.id))).toBe(false);
    expect(rows.every((r) => r.body_enc.length % 1024 > 0 && r.body_enc.length >= 1024)).toBe(true);
    // A new check moves the case; an erasure takes it out.
    const [a, b] = cases as [{ id: string; ref: string }, { id: string; ref: string }];
    await savePathwaysCheck(t.ctx, actor, a.ref, { ...body, location: 'AM', contentVersion: version }, 'en');
    expect(await counted()).toEqual(await expected(cases.map((c) => c.id)));
    expect(await eraseCase(t.ctx, b.id, 'test')).toBe(true);
    expect(await counted()).toEqual(await expected(cases.filter((c) => c !== b).map((c) => c.id)));
  });
});
