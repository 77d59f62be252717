import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestKnowledgeBase, testToday } from '../../../test/support/pathways-fixtures.ts';
import type { KnowledgeBase } from './content-loader.ts';
import { evaluatePathways } from './engine.ts';
import { applicantTypes, documentKinds, locales, type Profile, profileSchema } from './pathways.schemas.ts';

const countries = [
  'RU',
  'UA',
  'KZ',
  'KG',
  'UZ',
  'AM',
  'GE',
  'TR',
  'RS',
  'MN',
  'AE',
  'IL',
  'DE',
  'FR',
  'EE',
  'LV',
];
const moreCountries = [...countries, 'LT', 'PL', 'FI', 'NO', 'US', 'CH', 'BY', 'AT', 'front'];

const dateArb = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const profileArb: fc.Arbitrary<Profile> = fc
  .record({
    citizenship: fc.constantFrom('RU', 'BY'),
    applicantType: fc.constantFrom(...applicantTypes),
    location: fc.constantFrom(...moreCountries),
    documents: fc.subarray([...documentKinds]),
    foreignPassportValidUntil: fc.option(dateArb, { nil: undefined }),
    hasLeftUnit: fc.boolean(),
    criminalCaseOpened: fc.boolean(),
    onWantedList: fc.boolean(),
    calledUp: fc.boolean(),
    lawOfReturnEligible: fc.boolean(),
    family: fc.record({ adults: fc.integer({ min: 0, max: 4 }), children: fc.integer({ min: 0, max: 5 }) }),
    language: fc.constantFrom(...locales),
    passportInvalidated: fc.boolean(),
    summonsPosted: fc.boolean(),
    lawfulStayDaysLeft: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    daysInLocation: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    age: fc.option(fc.integer({ min: 14, max: 70 }), { nil: undefined }),
  })
  .map((raw) => {
    // exactOptionalPropertyTypes: leave out the optional fields fast-check left undefined.
    const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    return profileSchema.parse(defined);
  });

describe('pathways invariants', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await loadTestKnowledgeBase();
  });

  it('every option has at least one source, a reviewed date and reasons', () => {
    fc.assert(
      fc.property(profileArb, (profile) => {
        const result = evaluatePathways(profile, kb, { today: testToday });
        expect(result.options).toHaveLength(kb.options.length);
        for (const o of result.options) {
          expect(o.sources.length).toBeGreaterThan(0);
          for (const s of o.sources) expect(s.url).toMatch(/^https?:\/\//);
          expect(o.reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(o.viable.reasons.length).toBeGreaterThan(0);
          expect(o.risk.reasons.length).toBeGreaterThan(0);
          expect(o.title.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('adding a document never makes an option less viable', () => {
    fc.assert(
      fc.property(profileArb, fc.constantFrom(...documentKinds), (profile, doc) => {
        fc.pre(!profile.documents.includes(doc));
        const before = evaluatePathways(profile, kb, { today: testToday });
        const after = evaluatePathways({ ...profile, documents: [...profile.documents, doc] }, kb, {
          today: testToday,
        });
        const viableAfter = new Map(after.options.map((o) => [o.id, o.viable.value]));
        for (const o of before.options) {
          if (o.viable.value) expect(viableAfter.get(o.id), `${o.id} after adding ${doc}`).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a passport valid for longer never makes an option less viable', () => {
    fc.assert(
      fc.property(profileArb, dateArb, dateArb, (profile, d1, d2) => {
        const [short, long] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const base = {
          ...profile,
          documents: [...new Set([...profile.documents, 'foreign_passport' as const])],
        };
        const a = evaluatePathways({ ...base, foreignPassportValidUntil: short }, kb, { today: testToday });
        const b = evaluatePathways({ ...base, foreignPassportValidUntil: long }, kb, { today: testToday });
        const viableB = new Map(b.options.map((o) => [o.id, o.viable.value]));
        for (const o of a.options) if (o.viable.value) expect(viableB.get(o.id)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('the output is deterministic and independent of content file order', () => {
    fc.assert(
      fc.property(profileArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (profile, seed) => {
        const first = evaluatePathways(profile, kb, { today: testToday });
        const second = evaluatePathways(profile, kb, { today: testToday });
        expect(second).toEqual(first);
        // Shuffle the options and warnings deterministically from the seed.
        const shuffle = <T>(items: readonly T[]): T[] => {
          const out = [...items];
          let s = seed;
          for (let i = out.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const shuffled = { ...kb, options: shuffle(kb.options), warnings: shuffle(kb.warnings) };
        expect(evaluatePathways(profile, shuffled, { today: testToday })).toEqual(first);
      }),
      { numRuns: 60 },
    );
  });

  it('ranks viable options first, and among them lower risk first', () => {
    const order = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(profileArb, (profile) => {
        const { options } = evaluatePathways(profile, kb, { today: testToday });
        const firstNotViable = options.findIndex((o) => !o.viable.value);
        if (firstNotViable >= 0)
          expect(options.slice(firstNotViable).every((o) => !o.viable.value)).toBe(true);
        const viable = options.filter((o) => o.viable.value).map((o) => order[o.risk.level]);
        expect([...viable].sort((a, b) => a - b)).toEqual(viable);
      }),
      { numRuns: 100 },
    );
  });

  it('never offers a "do not go" option as viable, and still returns it with the reason', () => {
    const doNotGo = kb.options.filter((o) => o.doNotGo.length > 0);
    expect(doNotGo.map((o) => o.id)).toEqual(
      expect.arrayContaining(['by-transit', 'ge-occupied-regions', 'kg-stay', 'kz-stay']),
    );
    fc.assert(
      fc.property(profileArb, (profile) => {
        const { options } = evaluatePathways(profile, kb, { today: testToday });
        const wanted = profile.onWantedList || profile.criminalCaseOpened;
        for (const content of doNotGo) {
          const o = options.find((x) => x.id === content.id);
          if (o === undefined) throw new Error(`${content.id} missing`);
          // Which rules must hold: the unconditional ones always; the CIS ones (kg-stay, kz-stay)
          // for anyone Russia seeks who is not already in that country.
          const expected = content.doNotGo.filter(
            (r) =>
              ('always' in r.when && r.when.always === true) ||
              (r.id.endsWith('.do-not-go.wanted') && wanted && profile.location !== content.country),
          );
          const given = new Set(o.viable.reasons.map((r) => r.ruleId));
          for (const r of expected) expect(given.has(r.id), `${content.id} says ${r.id}`).toBe(true);
          // A "do not go" reason given means closed, whatever else holds.
          if (content.doNotGo.some((r) => given.has(r.id))) expect(o.viable.value, content.id).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the first viable option never carries more risk than another viable option', () => {
    const order = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(profileArb, (profile) => {
        const viable = evaluatePathways(profile, kb, { today: testToday }).options.filter(
          (o) => o.viable.value,
        );
        const [first, ...rest] = viable;
        if (first === undefined) return;
        for (const o of rest) expect(order[first.risk.level]).toBeLessThanOrEqual(order[o.risk.level]);
      }),
      { numRuns: 300 },
    );
  });

  it('a soldier at the front is offered nothing that runs through Russia', () => {
    fc.assert(
      fc.property(
        profileArb,
        fc.constantFrom('UA', 'front'),
        fc.constantFrom('contract', 'mobilised', 'officer', 'deserter'),
        (profile, location, applicantType) => {
          const { options } = evaluatePathways({ ...profile, location, applicantType }, kb, {
            today: testToday,
          });
          for (const o of options) {
            if (o.viable.value) expect(o.journey.throughRussia, o.id).toBe(false);
            // Getting help to plan involves no journey; everything else outside Ukraine does.
            if (o.country !== 'UA' && o.kind !== 'get_help') {
              expect(o.journey.throughRussia, o.id).toBe(true);
              expect(o.viable.value, o.id).toBe(false);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every option says, in the profile language, why it stands where it does', () => {
    fc.assert(
      fc.property(profileArb, (profile) => {
        const { options } = evaluatePathways(profile, kb, { today: testToday });
        options.forEach((o, i) => {
          expect(o.rank.position).toBe(i + 1);
          expect(o.rank.text.length).toBeGreaterThan(10);
          if (i > 0) expect(o.rank.key).not.toBe('first');
        });
      }),
      { numRuns: 60 },
    );
  });

  it('never closes a country to someone already there because of its entry rules', () => {
    const entryRules = new Set(
      kb.options.flatMap((o) => o.eligibility.filter((r) => r.scope === 'entry').map((r) => r.id)),
    );
    expect(entryRules.size).toBeGreaterThan(5);
    fc.assert(
      fc.property(profileArb, (profile) => {
        const { options } = evaluatePathways(profile, kb, { today: testToday });
        for (const o of options) {
          if (!o.journey.here) continue;
          for (const r of o.viable.reasons) {
            if (!o.viable.value)
              expect(entryRules.has(r.ruleId), `${o.id} closed by ${r.ruleId}`).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
