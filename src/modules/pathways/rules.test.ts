import { describe, expect, it } from 'vitest';
import { buildProfile, testToday } from '../../../test/support/pathways-fixtures.ts';
import { profileSchema, type RuleExpr, ruleExprSchema } from './pathways.schemas.ts';
import {
  buildRuleContext,
  evaluateRule,
  findNegatedDocumentTests,
  monthsBetween,
  type RuleEnvironment,
} from './rules.ts';

const env: RuleEnvironment = {
  predicate: (id) => (id === 'abroad' ? { not: { eq: ['location', 'RU'] } } : undefined),
  optionViable: (id) => id === 'open-option',
};

const evalFor = (expr: RuleExpr, overrides = {}): boolean =>
  evaluateRule(expr, buildRuleContext(buildProfile(overrides), testToday), env);

describe('rule language', () => {
  it('evaluates the example from the issue', () => {
    const rule = ruleExprSchema.parse({
      all: [{ has: 'foreign_passport' }, { not: { eq: ['applicantType', 'deserter'] } }],
    });
    expect(evalFor(rule, { documents: ['foreign_passport'], foreignPassportValidUntil: '2030-01-01' })).toBe(
      true,
    );
    expect(evalFor(rule, { documents: ['foreign_passport'], applicantType: 'deserter' })).toBe(false);
    expect(evalFor(rule, { documents: ['internal_passport'] })).toBe(false);
  });

  it('treats an expired passport as absent and unknown months as failing comparisons', () => {
    const has = { has: 'foreign_passport' } as const;
    const sixMonths: RuleExpr = { gte: ['foreignPassportMonthsLeft', 6] };
    expect(evalFor(has, { documents: ['foreign_passport'], foreignPassportValidUntil: '2026-11-21' })).toBe(
      false,
    );
    expect(evalFor(has, { documents: ['foreign_passport'], foreignPassportValidUntil: '2026-11-22' })).toBe(
      true,
    );
    expect(evalFor(sixMonths, { documents: ['foreign_passport'] })).toBe(false);
    expect(
      evalFor(sixMonths, { documents: ['foreign_passport'], foreignPassportValidUntil: '2027-05-22' }),
    ).toBe(true);
    expect(
      evalFor(sixMonths, { documents: ['foreign_passport'], foreignPassportValidUntil: '2027-05-21' }),
    ).toBe(false);
  });

  it('follows predicates and option references, and fails loudly on an unknown predicate', () => {
    expect(evalFor({ ref: 'abroad' }, { location: 'GE' })).toBe(true);
    expect(evalFor({ option: 'open-option' })).toBe(true);
    expect(evalFor({ option: 'closed-option' })).toBe(false);
    expect(() => evalFor({ ref: 'missing' })).toThrow(/unknown predicate/);
  });

  it('derives family flags', () => {
    expect(evalFor({ is: 'hasChildren' }, { family: { adults: 0, children: 1 } })).toBe(true);
    expect(evalFor({ is: 'hasFamilyWithThem' }, { family: { adults: 1, children: 0 } })).toBe(true);
    expect(evalFor({ is: 'hasFamilyWithThem' })).toBe(false);
  });

  it('counts whole months', () => {
    expect(monthsBetween('2026-11-22', '2027-05-22')).toBe(6);
    expect(monthsBetween('2026-11-22', '2027-05-21')).toBe(5);
    expect(monthsBetween('2026-11-22', '2026-10-22')).toBe(-1);
  });

  it('rejects malformed rules', () => {
    expect(ruleExprSchema.safeParse({ has: 'driving_licence' }).success).toBe(false);
    expect(ruleExprSchema.safeParse({ eq: ['password', 'x'] }).success).toBe(false);
    expect(ruleExprSchema.safeParse({ all: [] }).success).toBe(false);
    expect(ruleExprSchema.safeParse({ has: 'internal_passport', is: 'calledUp' }).success).toBe(false);
  });

  it('finds negated document tests, through predicates too', () => {
    const lookup = (id: string): RuleExpr | undefined => (id === 'p' ? { has: 'military_id' } : undefined);
    expect(findNegatedDocumentTests({ not: { has: 'internal_passport' } }, lookup)).toHaveLength(1);
    expect(findNegatedDocumentTests({ not: { ref: 'p' } }, lookup)).toHaveLength(1);
    expect(findNegatedDocumentTests({ not: { not: { has: 'internal_passport' } } }, lookup)).toHaveLength(0);
    expect(findNegatedDocumentTests({ lte: ['foreignPassportMonthsLeft', 3] }, lookup)).toHaveLength(1);
  });
});

describe('profile schema (hostile input)', () => {
  const base = { citizenship: 'RU', applicantType: 'other', location: 'RU', documents: [] };

  it('accepts a minimal profile and applies safe defaults', () => {
    const p = profileSchema.parse(base);
    expect(p.language).toBe('ru');
    expect(p.hasLeftUnit).toBe(false);
    expect(p.family).toEqual({ adults: 0, children: 0 });
  });

  it.each([
    ['unknown keys', { ...base, isAdmin: true }],
    ['wrong types', { ...base, hasLeftUnit: 'yes' }],
    ['unknown applicant type', { ...base, applicantType: 'general' }],
    ['lower-case country', { ...base, location: 'ru' }],
    ['repeated documents', { ...base, documents: ['internal_passport', 'internal_passport'] }],
    ['unknown document', { ...base, documents: ['driving_licence'] }],
    ['impossible date', { ...base, foreignPassportValidUntil: '2026-02-30' }],
    ['negative family', { ...base, family: { adults: -1, children: 0 } }],
    ['huge family', { ...base, family: { adults: 1, children: 1e9 } }],
    ['unknown language', { ...base, language: 'de' }],
    ['an array', [base]],
    ['null', null],
  ])('rejects %s', (_name, input) => {
    expect(profileSchema.safeParse(input).success).toBe(false);
  });
});
