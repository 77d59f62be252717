import { beforeAll, describe, expect, it } from 'vitest';
import { buildProfile, loadTestKnowledgeBase, testToday } from '../../../test/support/pathways-fixtures.ts';
import type { KnowledgeBase } from './content-loader.ts';
import { evaluatePathways, type PathwayOption, pickText } from './engine.ts';
import type { ProfileInput, RiskLevel } from './pathways.schemas.ts';

/**
 * One expectation about one option. `rule` is the id of the rule that decides the outcome: the
 * eligibility rule that fails (or is met) for `viable`, or the risk rule that sets the level.
 */
type Expectation =
  | { option: string; viable: boolean; rule: string }
  | { option: string; risk: RiskLevel; rule: string };

interface Scenario {
  name: string;
  profile: Partial<ProfileInput>;
  expect: Expectation[];
}

const passport = (validUntil = '2030-01-01'): Partial<ProfileInput> => ({
  documents: ['internal_passport', 'foreign_passport'],
  foreignPassportValidUntil: validUntil,
});

const scenarios: Scenario[] = [
  {
    name: 'internal passport only: Central Asia and Armenia open, Georgia closed',
    profile: { documents: ['internal_passport'] },
    expect: [
      { option: 'kz-stay', viable: true, rule: 'kz.entry-document' },
      { option: 'kg-stay', viable: true, rule: 'kg.entry-document' },
      { option: 'am-stay', viable: true, rule: 'am.entry-document' },
      { option: 'ge-stay', viable: false, rule: 'ge.entry-document' },
      { option: 'tr-stay', viable: false, rule: 'tr.entry-document' },
    ],
  },
  {
    name: 'internal passport only: Uzbekistan needs a foreign passport',
    profile: { documents: ['internal_passport'] },
    expect: [{ option: 'uz-stay', viable: false, rule: 'uz.entry-document' }],
  },
  {
    // Changed by ADR 0098: "do not go" options are never viable, whatever the documents.
    name: 'internal passport only: Belarus is reachable but marked "do not go"',
    profile: { documents: ['internal_passport'] },
    expect: [
      { option: 'by-transit', viable: false, rule: 'by.do-not-go' },
      { option: 'by-transit', risk: 'high', rule: 'by.risk.base' },
    ],
  },
  {
    name: 'internal passport only: Abkhazia / South Ossetia reachable but marked "do not go"',
    profile: { documents: ['internal_passport'] },
    expect: [
      { option: 'ge-occupied-regions', viable: false, rule: 'ge-occupied.do-not-go' },
      { option: 'ge-occupied-regions', risk: 'high', rule: 'ge-occupied.risk.base' },
    ],
  },
  {
    name: 'no documents at all: even Kazakhstan is closed',
    profile: { documents: [] },
    expect: [
      { option: 'kz-stay', viable: false, rule: 'kz.entry-document' },
      { option: 'by-transit', viable: false, rule: 'by.entry-document' },
    ],
  },
  {
    name: 'foreign passport expired: Georgia and the UAE closed, Kazakhstan open',
    profile: passport('2025-01-01'),
    expect: [
      { option: 'ge-stay', viable: false, rule: 'ge.entry-document' },
      { option: 'ae-stay', viable: false, rule: 'ae.passport-validity' },
      { option: 'kz-stay', viable: true, rule: 'kz.entry-document' },
    ],
  },
  {
    name: 'valid foreign passport: Georgia open with low base risk',
    profile: passport(),
    expect: [
      { option: 'ge-stay', viable: true, rule: 'ge.entry-document' },
      { option: 'ge-stay', risk: 'low', rule: 'ge.risk.base' },
      { option: 'ae-stay', viable: true, rule: 'ae.passport-validity' },
    ],
  },
  {
    name: 'passport with three months left: UAE refuses (six months needed), Turkey fine',
    profile: passport('2027-02-22'),
    expect: [
      { option: 'ae-stay', viable: false, rule: 'ae.passport-validity' },
      { option: 'tr-stay', viable: true, rule: 'tr.entry-document' },
    ],
  },
  {
    name: 'passport expiry not given: counts as held, but not for the six-month rule',
    profile: { documents: ['foreign_passport'] },
    expect: [
      { option: 'ge-stay', viable: true, rule: 'ge.entry-document' },
      { option: 'ae-stay', viable: false, rule: 'ae.passport-validity' },
    ],
  },
  {
    name: 'a deserter already in Armenia: viable but high risk of rendition',
    profile: {
      applicantType: 'deserter',
      location: 'AM',
      documents: ['internal_passport'],
      hasLeftUnit: true,
    },
    // Changed by ADR 0098: already in Armenia, entry rules no longer decide; being there does.
    expect: [
      { option: 'am-stay', viable: true, rule: 'journey.here' },
      { option: 'am-stay', risk: 'high', rule: 'am.risk.deserter-rendition' },
    ],
  },
  {
    name: 'a deserter in Armenia cannot surrender to Ukraine from there',
    profile: {
      applicantType: 'deserter',
      location: 'AM',
      documents: ['internal_passport'],
      hasLeftUnit: true,
    },
    expect: [{ option: 'ua-surrender', viable: false, rule: 'surrender.in-ukraine' }],
  },
  {
    name: 'an ordinary emigrant in Armenia: medium risk only',
    profile: { location: 'AM', documents: ['internal_passport'] },
    expect: [{ option: 'am-stay', risk: 'medium', rule: 'am.risk.base' }],
  },
  {
    name: 'a conscript in Russia before call-up: alternative service open',
    profile: { applicantType: 'conscript', documents: ['internal_passport'] },
    expect: [
      { option: 'ru-alternative-service', viable: true, rule: 'acs.before-call-up' },
      { option: 'ru-alternative-service', risk: 'medium', rule: 'acs.risk.base' },
    ],
  },
  {
    name: 'a conscript already called up: too late for alternative service, exit barred',
    profile: { applicantType: 'conscript', documents: ['internal_passport'], calledUp: true },
    expect: [
      { option: 'ru-alternative-service', viable: false, rule: 'acs.before-call-up' },
      { option: 'kz-stay', risk: 'high', rule: 'kz.risk.exit-barred' },
    ],
  },
  {
    name: 'a conscript with a criminal case: alternative service still possible but high risk',
    profile: { applicantType: 'conscript', documents: ['internal_passport'], criminalCaseOpened: true },
    expect: [{ option: 'ru-alternative-service', risk: 'high', rule: 'acs.risk.criminal-case' }],
  },
  {
    name: 'a conscript who left his unit: alternative service closed',
    profile: { applicantType: 'conscript', documents: ['internal_passport'], hasLeftUnit: true },
    expect: [{ option: 'ru-alternative-service', viable: false, rule: 'acs.before-call-up' }],
  },
  {
    name: 'a contract soldier in Russia: alternative service is for conscripts only',
    profile: { applicantType: 'contract', documents: ['internal_passport'] },
    expect: [{ option: 'ru-alternative-service', viable: false, rule: 'acs.conscript' }],
  },
  {
    name: 'a conscript already abroad: alternative service is applied for in Russia',
    profile: { applicantType: 'conscript', location: 'GE', ...passport() },
    expect: [{ option: 'ru-alternative-service', viable: false, rule: 'acs.in-russia' }],
  },
  {
    name: 'a diplomat posted in Germany: asylum in Germany and the EU open',
    profile: { applicantType: 'diplomat', location: 'DE', ...passport() },
    expect: [
      { option: 'de-asylum', viable: true, rule: 'de.in-germany' },
      { option: 'de-asylum', risk: 'medium', rule: 'de.risk.base' },
      { option: 'eu-asylum', viable: true, rule: 'eu.in-eu' },
    ],
  },
  {
    name: 'a diplomat posted in Switzerland: not in the EU, a humanitarian visa is possible',
    profile: { applicantType: 'diplomat', location: 'CH', ...passport() },
    expect: [
      { option: 'eu-asylum', viable: false, rule: 'eu.in-eu' },
      { option: 'eu-humanitarian-visa', viable: true, rule: 'eu-visa.outside-eu' },
      { option: 'eu-humanitarian-visa', risk: 'high', rule: 'eu-visa.risk.base' },
    ],
  },
  {
    name: 'someone already in France cannot use the humanitarian visa route',
    profile: { location: 'FR', ...passport() },
    expect: [{ option: 'eu-humanitarian-visa', viable: false, rule: 'eu-visa.outside-eu' }],
  },
  {
    name: 'a family with children in Russia: Kazakhstan open with internal passports',
    profile: {
      applicantType: 'family',
      documents: ['internal_passport'],
      family: { adults: 1, children: 2 },
    },
    expect: [
      { option: 'kz-stay', viable: true, rule: 'kz.entry-document' },
      { option: 'kz-stay', risk: 'medium', rule: 'kz.risk.base' },
    ],
  },
  {
    name: 'a family member in Ukraine cannot surrender',
    profile: { applicantType: 'family', location: 'UA' },
    expect: [{ option: 'ua-surrender', viable: false, rule: 'surrender.military' }],
  },
  {
    name: 'a mobilised soldier at the front: surrender possible, high risk',
    profile: { applicantType: 'mobilised', location: 'UA', documents: ['military_id'] },
    expect: [
      { option: 'ua-surrender', viable: true, rule: 'surrender.military' },
      { option: 'ua-surrender', risk: 'high', rule: 'surrender.risk.base' },
    ],
  },
  {
    name: 'an officer at the front: surrender possible',
    profile: { applicantType: 'officer', location: 'UA' },
    expect: [{ option: 'ua-surrender', viable: true, rule: 'surrender.in-ukraine' }],
  },
  {
    name: 'a reservist in Germany who was never called up: BAMF often refuses',
    profile: { applicantType: 'reservist', location: 'DE', ...passport() },
    expect: [{ option: 'de-asylum', risk: 'high', rule: 'de.risk.pre-emptive-evader' }],
  },
  {
    name: 'a deserter in Germany: protection usually granted, medium risk',
    profile: { applicantType: 'deserter', location: 'DE', hasLeftUnit: true, documents: ['military_id'] },
    expect: [{ option: 'de-asylum', risk: 'medium', rule: 'de.risk.base' }],
  },
  {
    name: 'a reservist in France without proof of call-up: high risk of refusal',
    profile: { applicantType: 'reservist', location: 'FR', ...passport() },
    expect: [{ option: 'fr-asylum', risk: 'high', rule: 'fr.risk.no-proof' }],
  },
  {
    name: 'a mobilised deserter in France: refugee status possible',
    profile: { applicantType: 'mobilised', location: 'FR', hasLeftUnit: true },
    expect: [
      { option: 'fr-asylum', viable: true, rule: 'fr.in-france' },
      { option: 'fr-asylum', risk: 'medium', rule: 'fr.risk.base' },
    ],
  },
  {
    name: 'a wanted person in Kazakhstan: high risk of deportation',
    profile: { location: 'KZ', documents: ['internal_passport'], onWantedList: true },
    expect: [{ option: 'kz-stay', risk: 'high', rule: 'kz.risk.rendition' }],
  },
  {
    name: 'an emigrant with no case in Kazakhstan: medium risk',
    profile: { location: 'KZ', documents: ['internal_passport'] },
    expect: [{ option: 'kz-stay', risk: 'medium', rule: 'kz.risk.base' }],
  },
  {
    name: 'a deserter in Kyrgyzstan: high risk of handover',
    profile: { applicantType: 'deserter', location: 'KG', documents: ['internal_passport'] },
    expect: [{ option: 'kg-stay', risk: 'high', rule: 'kg.risk.rendition' }],
  },
  {
    name: 'eligible under the Law of Return with a passport: Israel open, low risk',
    profile: { lawOfReturnEligible: true, ...passport() },
    expect: [
      { option: 'il-return', viable: true, rule: 'il.eligible' },
      { option: 'il-return', risk: 'low', rule: 'il.risk.base' },
    ],
  },
  {
    name: 'eligible under the Law of Return without a foreign passport',
    profile: { lawOfReturnEligible: true, documents: ['internal_passport'] },
    expect: [{ option: 'il-return', viable: false, rule: 'il.entry-document' }],
  },
  {
    name: 'not eligible under the Law of Return',
    profile: passport(),
    expect: [{ option: 'il-return', viable: false, rule: 'il.eligible' }],
  },
  {
    name: 'in Russia: Finland closed since December 2023',
    profile: passport(),
    expect: [{ option: 'fi-asylum', viable: false, rule: 'fi.in-country' }],
  },
  {
    // Changed with issue 11: the border's risks no longer count against someone already inside.
    name: 'already in Finland: asylum can be requested, medium risk (practice unknown)',
    profile: { location: 'FI', ...passport() },
    expect: [
      { option: 'fi-asylum', viable: true, rule: 'fi.in-country' },
      { option: 'fi-asylum', risk: 'medium', rule: 'fi.risk.base' },
    ],
  },
  {
    name: 'already in Norway: asylum can be requested',
    profile: { location: 'NO', ...passport() },
    expect: [{ option: 'no-asylum', viable: true, rule: 'no.in-country' }],
  },
  {
    name: 'in Russia with a Schengen-capable passport: the Baltic states and Poland stay closed',
    profile: passport(),
    expect: [
      { option: 'lt-asylum', viable: false, rule: 'lt.in-country' },
      { option: 'ee-asylum', viable: false, rule: 'ee.in-country' },
      { option: 'pl-asylum', viable: false, rule: 'pl.in-country' },
    ],
  },
  {
    name: 'already in Estonia: asylum possible but officials are sceptical',
    profile: { location: 'EE', ...passport() },
    expect: [
      { option: 'ee-asylum', viable: true, rule: 'ee.in-country' },
      { option: 'ee-asylum', risk: 'high', rule: 'ee.risk.pre-emptive-evader' },
    ],
  },
  {
    name: 'already in the United States: asylum possible but detention likely; parole is from outside',
    profile: { location: 'US', ...passport() },
    expect: [
      { option: 'us-asylum', viable: true, rule: 'us-asylum.in-us' },
      { option: 'us-asylum', risk: 'high', rule: 'us-asylum.risk.base' },
      { option: 'us-parole', viable: false, rule: 'us-parole.outside-us' },
    ],
  },
  {
    name: 'in Turkey with a passport: US parole can be requested, high risk',
    profile: { location: 'TR', ...passport() },
    expect: [
      { option: 'us-parole', viable: true, rule: 'us-parole.passport' },
      { option: 'us-parole', risk: 'high', rule: 'us-parole.risk.base' },
    ],
  },
  {
    name: 'in Mongolia with a passport: medium risk',
    profile: { location: 'MN', ...passport() },
    expect: [{ option: 'mn-stay', risk: 'medium', rule: 'mn.risk.base' }],
  },
  {
    name: 'wanted and still in Russia: leaving for Georgia is high risk',
    profile: { onWantedList: true, ...passport() },
    expect: [{ option: 'ge-stay', risk: 'high', rule: 'ge.risk.exit-barred' }],
  },
  {
    name: 'wanted and already in Georgia: medium (unknown) risk',
    profile: { onWantedList: true, location: 'GE', ...passport() },
    expect: [{ option: 'ge-stay', risk: 'medium', rule: 'ge.risk.wanted' }],
  },
  {
    name: 'an emigrant in Serbia: medium risk',
    profile: { location: 'RS', ...passport() },
    expect: [{ option: 'rs-stay', risk: 'medium', rule: 'rs.risk.base' }],
  },
  {
    name: 'an officer in Russia: flying to Turkey is high risk',
    profile: { applicantType: 'officer', ...passport() },
    expect: [{ option: 'tr-stay', risk: 'high', rule: 'tr.risk.exit-barred' }],
  },
  {
    name: 'a deserter in Uzbekistan with a passport: high risk',
    profile: { applicantType: 'deserter', location: 'UZ', ...passport() },
    expect: [{ option: 'uz-stay', risk: 'high', rule: 'uz.risk.rendition' }],
  },
];

describe('pathway scenarios', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await loadTestKnowledgeBase();
  });

  it('has at least 40 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });

  it.each(scenarios)('$name', ({ profile, expect: expectations }) => {
    const result = evaluatePathways(buildProfile(profile), kb, { today: testToday });
    for (const e of expectations) {
      const option = result.options.find((o) => o.id === e.option);
      expect(option, `option ${e.option} exists`).toBeDefined();
      const o = option as PathwayOption;
      if ('viable' in e) {
        expect(o.viable.value, `${e.option} viable`).toBe(e.viable);
        expect(
          o.viable.reasons.map((r) => r.ruleId),
          `${e.option} viability decided by ${e.rule}`,
        ).toContain(e.rule);
      } else {
        expect(o.risk.level, `${e.option} risk`).toBe(e.risk);
        const deciding = o.risk.reasons.filter((r) => r.level === e.risk).map((r) => r.ruleId);
        expect(deciding, `${e.option} risk decided by ${e.rule}`).toContain(e.rule);
      }
    }
  });

  it('every rule a scenario cites exists in the content', () => {
    const ruleIds = new Set<string>();
    for (const o of kb.options) {
      ruleIds.add(o.baseRisk.id);
      for (const r of [...o.eligibility, ...o.risks]) ruleIds.add(r.id);
    }
    // journey.* reasons come from the engine itself (ADR 0098), not from one option's rules.
    for (const id of ['journey.here', 'journey.through-russia']) ruleIds.add(id);
    for (const o of kb.options) for (const r of o.doNotGo) ruleIds.add(r.id);
    for (const s of scenarios) for (const e of s.expect) expect(ruleIds, e.rule).toContain(e.rule);
  });
});

describe('warnings', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await loadTestKnowledgeBase();
  });
  const ids = (profile: Partial<ProfileInput>): string[] =>
    evaluatePathways(buildProfile(profile), kb, { today: testToday }).warnings.map((w) => w.id);

  it('always starts with the not-legal-advice notice', () => {
    expect(ids({})[0]).toBe('not-legal-advice');
  });
  it('warns a called-up man in Russia that his exit is barred', () => {
    expect(ids({ applicantType: 'conscript', calledUp: true })).toContain('warn.exit-barred');
  });
  it('does not warn about exit once the person is abroad', () => {
    expect(ids({ applicantType: 'conscript', calledUp: true, location: 'GE' })).not.toContain(
      'warn.exit-barred',
    );
  });
  it('warns families with children about children’s passports', () => {
    expect(ids({ family: { adults: 1, children: 1 } })).toContain('warn.children-passports');
    expect(ids({ family: { adults: 1, children: 0 } })).not.toContain('warn.children-passports');
  });
  it('warns about an expired passport and asks for a missing expiry date', () => {
    expect(ids(passport('2024-01-01'))).toContain('warn.passport-expired');
    expect(ids({ documents: ['foreign_passport'] })).toContain('warn.passport-expiry-unknown');
  });
  it('explains criminal exposure to deserters and to soldiers in Ukraine', () => {
    expect(ids({ applicantType: 'deserter', hasLeftUnit: true })).toContain('warn.art337-338');
    expect(ids({ applicantType: 'contract', location: 'UA' })).toContain('warn.surrender-criminal');
  });
  it('tells a diplomat abroad, not one at home, to seek protection where he is', () => {
    expect(ids({ applicantType: 'diplomat', location: 'CH' })).toContain('warn.diplomat-abroad');
    expect(ids({ applicantType: 'diplomat', location: 'RU' })).not.toContain('warn.diplomat-abroad');
  });
  it('orders warnings danger first', () => {
    const result = evaluatePathways(
      buildProfile({ applicantType: 'deserter', hasLeftUnit: true, onWantedList: true }),
      kb,
      { today: testToday },
    );
    const levels = result.warnings.slice(1).map((w) => w.level);
    const order = { danger: 0, caution: 1, info: 2 };
    expect([...levels].sort((a, b) => order[a] - order[b])).toEqual(levels);
  });
});

describe('localisation', () => {
  it('falls back uk → ru → en', () => {
    expect(pickText({ en: 'E', ru: 'R', uk: 'U' }, 'uk')).toBe('U');
    expect(pickText({ en: 'E', ru: 'R' }, 'uk')).toBe('R');
    expect(pickText({ en: 'E', ru: 'R' }, 'ru')).toBe('R');
    expect(pickText({ en: 'E', ru: 'R' }, 'en')).toBe('E');
  });

  it('answers in the profile language', async () => {
    const kb = await loadTestKnowledgeBase();
    const ru = evaluatePathways(buildProfile({ language: 'ru' }), kb, { today: testToday });
    const kz = ru.options.find((o) => o.id === 'kz-stay');
    expect(kz?.title).toMatch(/Казахстан/);
    expect(ru.language).toBe('ru');
  });
});

describe('ranking', () => {
  it('puts the deserter’s medium-base-risk refuges before inherently dangerous transit', async () => {
    const kb = await loadTestKnowledgeBase();
    const result = evaluatePathways(
      buildProfile({
        applicantType: 'deserter',
        location: 'AM',
        documents: ['internal_passport'],
        hasLeftUnit: true,
      }),
      kb,
      { today: testToday },
    );
    const ids = result.options.map((o) => o.id);
    expect(ids.indexOf('kz-stay')).toBeLessThan(ids.indexOf('by-transit'));
  });
});
