/**
 * The rule language: evaluation against a profile, and the static checks that CI runs over the
 * content (references, cycles, and the "a document can only help" polarity rule).
 */
import type {
  DocumentKind,
  Profile,
  RuleExpr,
  RuleFlag,
  RuleNumber,
  RuleTextField,
} from './pathways.schemas.ts';

/** Everything a rule can see: the profile plus values derived from it on the evaluation date. */
export interface RuleContext {
  profile: Profile;
  /** Documents the person holds that are usable today (an expired foreign passport is not). */
  documents: ReadonlySet<DocumentKind>;
  /** Whole months of validity left on the foreign passport; null when unknown or none. */
  foreignPassportMonthsLeft: number | null;
  /** A foreign passport is listed but its validity ended before the evaluation date. */
  foreignPassportExpired: boolean;
  /** A foreign passport is listed without its expiry date. */
  foreignPassportExpiryUnknown: boolean;
  /**
   * The foreign passport is not usable because Russia declared it invalid or will seize it: said
   * by the person, or implied by an exit ban while in Russia (fact ru.exit-ban-summons).
   */
  passportInvalidated: boolean;
  /** Age in whole years on the evaluation day; null when unknown. */
  age: number | null;
}

/**
 * In Russia (or in occupied Ukraine, whose exits pass Russian border posts) and under an exit ban that Russian law ties to the passport: a call-up decision, a
 * posted summons, a criminal case or a wanted notice. Such a person's foreign passport is declared
 * invalid after five working days and can be taken at the border (fact ru.exit-ban-summons).
 * Serving soldiers are not included: for them we have no source, so it stays a risk (ADR 0036).
 */
function passportBarredByLaw(profile: Profile): boolean {
  return (
    (profile.location === 'RU' || isAtFront(profile)) &&
    (profile.calledUp || profile.summonsPosted || profile.criminalCaseOpened || profile.onWantedList)
  );
}

/** Age on the evaluation day: `age` as given, else estimated from `birthYear` (the lower bound). */
function ageOn(profile: Profile, today: string): number | null {
  if (profile.age !== undefined) return profile.age;
  if (profile.birthYear !== undefined) return Math.max(0, Number(today.slice(0, 4)) - profile.birthYear - 1);
  return null;
}

/** Looks up named predicates and the viability of other options during evaluation. */
export interface RuleEnvironment {
  predicate(id: string): RuleExpr | undefined;
  optionViable(id: string): boolean;
}

/** Whole months from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  let months = (ty - fy) * 12 + (tm - fm);
  if (td < fd) months -= 1;
  return months;
}

/** Builds the rule context for a validated profile on a given day (YYYY-MM-DD). */
export function buildRuleContext(profile: Profile, today: string): RuleContext {
  const documents = new Set<DocumentKind>();
  let foreignPassportMonthsLeft: number | null = null;
  let foreignPassportExpired = false;
  let foreignPassportExpiryUnknown = false;
  const passportInvalidated = profile.passportInvalidated || passportBarredByLaw(profile);
  for (const doc of profile.documents) {
    if (doc !== 'foreign_passport') {
      documents.add(doc);
      continue;
    }
    // An invalidated passport is not held, like an expired one: it opens no route (ADR 0097).
    if (passportInvalidated) continue;
    const until = profile.foreignPassportValidUntil;
    if (until === undefined) {
      // Expiry unknown: count the passport as held (a warning asks for the date), claim no months.
      documents.add(doc);
      foreignPassportExpiryUnknown = true;
    } else if (until >= today) {
      documents.add(doc);
      foreignPassportMonthsLeft = monthsBetween(today, until);
    } else {
      foreignPassportExpired = true;
    }
  }
  return {
    profile,
    documents,
    foreignPassportMonthsLeft,
    foreignPassportExpired,
    foreignPassportExpiryUnknown,
    passportInvalidated: passportInvalidated && profile.documents.includes('foreign_passport'),
    age: ageOn(profile, today),
  };
}

/** The legacy `UA` ("in Ukraine, at or near the front") and `front` are the same place for rules. */
export function isAtFront(profile: Profile): boolean {
  return profile.location === 'front' || profile.location === 'UA';
}

function textField(ctx: RuleContext, field: RuleTextField): string {
  return ctx.profile[field];
}

function flag(ctx: RuleContext, name: RuleFlag): boolean {
  const p = ctx.profile;
  switch (name) {
    case 'hasChildren':
      return p.family.children > 0;
    case 'hasFamilyWithThem':
      return p.family.children + p.family.adults > 0;
    case 'foreignPassportExpired':
      return ctx.foreignPassportExpired;
    case 'foreignPassportExpiryUnknown':
      return ctx.foreignPassportExpiryUnknown;
    case 'passportInvalidated':
      return ctx.passportInvalidated;
    case 'atFront':
      return isAtFront(p);
    case 'minor':
      return ctx.age !== null && ctx.age < 18;
    case 'lawfulStayUnknown':
      return p.lawfulStayDaysLeft === undefined;
    default:
      return p[name];
  }
}

function numberField(ctx: RuleContext, name: RuleNumber): number | null {
  switch (name) {
    case 'foreignPassportMonthsLeft':
      return ctx.foreignPassportMonthsLeft;
    case 'familyAdults':
      return ctx.profile.family.adults;
    case 'familyChildren':
      return ctx.profile.family.children;
    case 'daysInLocation':
      return ctx.profile.daysInLocation ?? null;
    case 'lawfulStayDaysLeft':
      return ctx.profile.lawfulStayDaysLeft ?? null;
    case 'age':
      return ctx.age;
  }
}

/**
 * Evaluates one rule. Pure: the same rule, context and environment always give the same answer.
 * An unknown number (e.g. passport months when the expiry was not given) fails every comparison,
 * so missing information never makes an option look more open than it is.
 */
export function evaluateRule(expr: RuleExpr, ctx: RuleContext, env: RuleEnvironment): boolean {
  if ('all' in expr) return expr.all.every((e) => evaluateRule(e, ctx, env));
  if ('any' in expr) return expr.any.some((e) => evaluateRule(e, ctx, env));
  if ('not' in expr) return !evaluateRule(expr.not, ctx, env);
  if ('has' in expr) return ctx.documents.has(expr.has);
  if ('is' in expr) return flag(ctx, expr.is);
  if ('eq' in expr) return textField(ctx, expr.eq[0]) === expr.eq[1];
  if ('in' in expr) return expr.in[1].includes(textField(ctx, expr.in[0]));
  if ('gte' in expr) {
    const value = numberField(ctx, expr.gte[0]);
    return value !== null && value >= expr.gte[1];
  }
  if ('lte' in expr) {
    const value = numberField(ctx, expr.lte[0]);
    return value !== null && value <= expr.lte[1];
  }
  if ('ref' in expr) {
    const target = env.predicate(expr.ref);
    if (target === undefined) throw new Error(`unknown predicate "${expr.ref}"`);
    return evaluateRule(target, ctx, env);
  }
  if ('option' in expr) return env.optionViable(expr.option);
  return true; // { always: true }
}

/** Ids of predicates and options a rule refers to, directly. */
export function collectReferences(expr: RuleExpr): { predicates: string[]; options: string[] } {
  const predicates: string[] = [];
  const options: string[] = [];
  const walk = (e: RuleExpr): void => {
    if ('all' in e) for (const x of e.all) walk(x);
    else if ('any' in e) for (const x of e.any) walk(x);
    else if ('not' in e) walk(e.not);
    else if ('ref' in e) predicates.push(e.ref);
    else if ('option' in e) options.push(e.option);
  };
  walk(expr);
  return { predicates, options };
}

/**
 * Places where a rule tests documents (or passport months, or another option's viability) under
 * an odd number of `not`. Such a rule could make an option less viable when a person gains a
 * document, which would be absurd advice; CI rejects it. Predicates are followed through `ref`.
 */
export function findNegatedDocumentTests(
  expr: RuleExpr,
  predicate: (id: string) => RuleExpr | undefined,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (e: RuleExpr, negated: boolean, path: string): void => {
    if ('all' in e) {
      for (const [i, x] of e.all.entries()) walk(x, negated, `${path}.all[${i}]`);
    } else if ('any' in e) {
      for (const [i, x] of e.any.entries()) walk(x, negated, `${path}.any[${i}]`);
    } else if ('not' in e) walk(e.not, !negated, `${path}.not`);
    else if ('has' in e) {
      if (negated) problems.push(`${path}: negated {has: ${e.has}}`);
    } else if ('is' in e) {
      if (
        e.is === 'foreignPassportExpired' ||
        e.is === 'foreignPassportExpiryUnknown' ||
        e.is === 'passportInvalidated'
      ) {
        problems.push(`${path}: {is: ${e.is}} belongs in warnings, not in eligibility`);
      }
    } else if ('gte' in e) {
      if (negated && e.gte[0] === 'foreignPassportMonthsLeft')
        problems.push(`${path}: negated passport months`);
    } else if ('lte' in e) {
      if (e.lte[0] === 'foreignPassportMonthsLeft') problems.push(`${path}: upper bound on passport months`);
    } else if ('option' in e) {
      if (negated) problems.push(`${path}: negated {option: ${e.option}}`);
    } else if ('ref' in e) {
      const key = `${e.ref}:${negated}`;
      if (seen.has(key)) return;
      seen.add(key);
      const target = predicate(e.ref);
      if (target !== undefined) walk(target, negated, `${path}->${e.ref}`);
    }
  };
  walk(expr, false, '$');
  return problems;
}
