/**
 * The eligibility engine: a validated profile and a knowledge base go in, ranked options and
 * warnings come out. Pure and deterministic: no clock, no I/O, no randomness. The evaluation day
 * is an explicit input because passport validity depends on it.
 */
import type { KnowledgeBase } from './content-loader.ts';
import { rankMessages } from './pathways.rank-messages.ts';
import type {
  Confidence,
  Fact,
  Locale,
  LocalizedText,
  OptionContent,
  OptionKind,
  Profile,
  RiskLevel,
  WarningLevel,
} from './pathways.schemas.ts';
import {
  buildRuleContext,
  evaluateRule,
  isAtFront,
  type RuleContext,
  type RuleEnvironment,
} from './rules.ts';

export interface SourceRef {
  id: string;
  title: string;
  publisher: string;
  url: string;
  accessed: string;
}

export interface FactView {
  id: string;
  text: string;
  confidence: Confidence;
  reviewed: string;
  uncertain?: string;
  sources: string[];
}

export interface PathwayOption {
  id: string;
  country: string;
  countryName: string;
  kind: OptionKind;
  title: string;
  summary: string;
  viable: { value: boolean; reasons: Array<{ ruleId: string; text: string }> };
  risk: { level: RiskLevel; reasons: Array<{ ruleId: string; level: RiskLevel; text: string }> };
  entry: { documents: string; stay: string; visa: string };
  steps: string[];
  documentsNeeded: string[];
  costs: string[];
  /** What is uncertain about the facts behind this option. */
  uncertain: string[];
  facts: FactView[];
  sources: SourceRef[];
  /** The oldest review date among the facts this option rests on. */
  reviewed: string;
  /** The lowest confidence among the facts this option rests on. */
  confidence: Confidence;
  /** How much of the journey is still ahead for this person (ADR 0098). */
  journey: Journey;
  /** Where the option stands in the list and why, in the profile's language (ADR 0031). */
  rank: { position: number; key: RankKey; text: string };
}

/** The journey still ahead of the person for one option. */
export interface Journey {
  /** The person is already where this option is (its country; the EU for EU-wide options; the front for Ukraine). */
  here: boolean;
  /** Reaching it means travelling through Russia (from the front or occupied Ukraine). */
  throughRussia: boolean;
  /** Borders still to cross: 0 here, 1 from Russia or a third country, 2 from the front through Russia. */
  crossings: number;
  /** Documents still to obtain before the journey (a visa, a parole approval). */
  documentsToObtain: number;
}

/** The ranking key that placed an option below the one above it (or `first`). */
export type RankKey =
  | 'first'
  | 'viable'
  | 'risk'
  | 'here'
  | 'baseRisk'
  | 'crossings'
  | 'documents'
  | 'days'
  | 'steps'
  | 'id';

export interface PathwayWarning {
  id: string;
  level: WarningLevel;
  text: string;
  sources: SourceRef[];
}

export interface PathwaysResult {
  options: PathwayOption[];
  warnings: PathwayWarning[];
  contentVersion: string;
  evaluatedOn: string;
  language: Locale;
}

export interface EvaluateOptions {
  /** The evaluation day, YYYY-MM-DD. Defaults to the current UTC date. */
  today?: string;
}

/** Picks the text for a language, falling back uk → ru → en (and ru → en, en → ru). */
export function pickText(text: LocalizedText, language: Locale): string {
  if (language === 'uk') return text.uk ?? text.ru;
  if (language === 'ru') return text.ru;
  return text.en;
}

const riskOrder: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };
const confidenceOrder: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
const warningOrder: Record<WarningLevel, number> = { danger: 0, caution: 1, info: 2 };

/** Sort keys that rank options but are not part of the output. */
export interface RankKeys {
  /** The option's own base risk: dangerous-in-itself ranks after dangerous-for-this-person. */
  baseRisk: RiskLevel;
  /**
   * 0 and 1: options where the person already is (0 first: protection when the content's
   * `protection-first` predicate holds for the person, else a lawful stay); 2: moving on.
   */
  hereOrder: number;
  typicalDays?: number;
}

type Ranked = Omit<PathwayOption, 'rank'> & RankKeys;

/**
 * The ranking keys in order (ADR 0031): viable first; lower risk for this person; where the
 * person already is before moving on; lower base risk; then the journey still ahead (border
 * crossings, documents to obtain, typical days); fewer steps; id (never file order).
 */
const rankKeys: ReadonlyArray<[Exclude<RankKey, 'first'>, (a: Ranked, b: Ranked) => number]> = [
  ['viable', (a, b) => (a.viable.value === b.viable.value ? 0 : a.viable.value ? -1 : 1)],
  ['risk', (a, b) => riskOrder[a.risk.level] - riskOrder[b.risk.level]],
  ['here', (a, b) => a.hereOrder - b.hereOrder],
  ['baseRisk', (a, b) => riskOrder[a.baseRisk] - riskOrder[b.baseRisk]],
  ['crossings', (a, b) => a.journey.crossings - b.journey.crossings],
  ['documents', (a, b) => a.journey.documentsToObtain - b.journey.documentsToObtain],
  ['days', (a, b) => (a.typicalDays ?? Number.MAX_SAFE_INTEGER) - (b.typicalDays ?? Number.MAX_SAFE_INTEGER)],
  ['steps', (a, b) => a.steps.length - b.steps.length],
  ['id', (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)],
];

/** The first ranking key on which two options differ, and the comparison it gives. */
function decidingKey(a: Ranked, b: Ranked): { key: Exclude<RankKey, 'first'>; order: number } {
  for (const [key, compare] of rankKeys) {
    const order = compare(a, b);
    if (order !== 0) return { key, order };
  }
  return { key: 'id', order: 0 };
}

/** Orders options as ADR 0031 explains (see `rankKeys`). */
export function compareOptions(a: Ranked, b: Ranked): number {
  return decidingKey(a, b).order;
}

/** Says, in the reader's language, why `current` stands right below `above` (or first). */
function explainRank(current: Ranked, above: Ranked | undefined, language: Locale): string {
  const m = rankMessages[language];
  if (above === undefined) {
    if (!current.viable.value) return m.firstNotViable;
    return current.journey.here ? m.firstViableHere : m.firstViable;
  }
  const { key } = decidingKey(above, current);
  const why = ((): string => {
    switch (key) {
      case 'viable':
        return m.viable;
      case 'risk':
        return m.risk(current.risk.level);
      case 'here':
        if (above.hereOrder === 0 && current.hereOrder === 1) {
          return above.kind === 'stay' ? m.hereStayFirst : m.hereProtectionFirst;
        }
        return m.hereBeforeMovingOn;
      case 'baseRisk':
        return m.baseRisk;
      case 'crossings':
        return m.crossings(current.journey.crossings, above.journey.crossings);
      case 'documents':
        return m.documents(current.journey.documentsToObtain, above.journey.documentsToObtain);
      case 'days':
        return m.days(current.typicalDays, above.typicalDays);
      case 'steps':
        return m.steps;
      case 'id':
        return m.id;
    }
  })();
  return m.below(above.title, why);
}

/** Kinds that protect a person where they are (asked for where they are). */
const protectionKinds: ReadonlySet<OptionKind> = new Set(['asylum', 'surrender']);

/**
 * Whether the person is already where the option is: its country; any EU member state for the
 * EU-wide options (the content's `in-eu` predicate); the front for options in Ukraine; anywhere
 * for `get_help`, which involves no journey.
 */
function isHere(option: OptionContent, ctx: RuleContext, env: RuleEnvironment): boolean {
  // Getting help to plan is done where one is (a call, a message); its rules say where it applies.
  if (option.kind === 'get_help') return true;
  const location = ctx.profile.location;
  if (option.country === location) return true;
  if (option.country === 'UA' && isAtFront(ctx.profile)) return true;
  if (option.country === 'EU' && env.predicate('in-eu') !== undefined) {
    return evaluateRule({ ref: 'in-eu' }, ctx, env);
  }
  return false;
}

/** A reserved predicate (ADR 0098): false when the content does not define it. */
function holds(id: string, ctx: RuleContext, env: RuleEnvironment): boolean {
  return env.predicate(id) !== undefined && evaluateRule({ ref: id }, ctx, env);
}

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Evaluates every option in the knowledge base for one profile. Options that are not viable are
 * returned too, each with the requirement it fails, because "why not Georgia?" deserves an answer.
 */
export function evaluatePathways(
  profile: Profile,
  kb: KnowledgeBase,
  { today = todayUtc() }: EvaluateOptions = {},
): PathwaysResult {
  const language = profile.language;
  const ctx = buildRuleContext(profile, today);
  const byId = new Map(kb.options.map((o) => [o.id, o]));
  const viability = new Map<string, boolean>();
  const inProgress = new Set<string>();

  const env: RuleEnvironment = {
    predicate: (id) => kb.predicates.get(id),
    optionViable: (id) => {
      const known = viability.get(id);
      if (known !== undefined) return known;
      const option = byId.get(id);
      if (option === undefined) throw new Error(`unknown option "${id}"`);
      if (inProgress.has(id)) throw new Error(`option references form a cycle at "${id}"`);
      inProgress.add(id);
      const value = assessViability(option, ctx, env).viable;
      inProgress.delete(id);
      viability.set(id, value);
      return value;
    },
  };

  const protectionFirst = holds('protection-first', ctx, env);
  const options: Ranked[] = kb.options.map((option) => {
    const presented = presentOption(option, kb, ctx, env, language);
    const here = presented.journey.here;
    const first = protectionFirst ? protectionKinds.has(option.kind) : option.kind === 'stay';
    return {
      ...presented,
      baseRisk: option.baseRisk.level,
      hereOrder: here ? (first ? 0 : 1) : 2,
      ...(option.typicalDays === undefined ? {} : { typicalDays: option.typicalDays }),
    };
  });
  options.sort(compareOptions);
  const ranked: PathwayOption[] = options.map((option, position) => {
    const { typicalDays: _days, baseRisk: _base, hereOrder: _here, ...rest } = option;
    const text = explainRank(option, options[position - 1], language);
    const key = position === 0 ? 'first' : decidingKey(options[position - 1] as Ranked, option).key;
    return { ...rest, rank: { position: position + 1, key, text } };
  });

  const warnings: PathwayWarning[] = [
    { id: 'not-legal-advice', level: 'info', text: pickText(kb.meta.disclaimer, language), sources: [] },
  ];
  const matched = kb.warnings
    .filter((w) => evaluateRule(w.when, ctx, env))
    .map((w) => ({
      id: w.id,
      level: w.level,
      text: pickText(w.text, language),
      sources: sourcesOf(w.facts, kb),
    }))
    .sort(
      (a, b) => warningOrder[a.level] - warningOrder[b.level] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  warnings.push(...matched);

  return { options: ranked, warnings, contentVersion: kb.version, evaluatedOn: today, language };
}

interface Requirement {
  ruleId: string;
  met: boolean;
  text: (language: Locale) => string;
}

/**
 * Whether an option is open to this person, and the requirements behind the answer (ADR 0098):
 * eligibility rules in their scope (entry rules only for people not yet there, `here` rules only
 * for people who are); for a soldier at the front, the journey through Russia; and the content's
 * "do not go" rules, which close an option whatever its eligibility.
 */
function assessViability(
  option: OptionContent,
  ctx: RuleContext,
  env: RuleEnvironment,
): { viable: boolean; here: boolean; throughRussia: boolean; requirements: Requirement[] } {
  const here = isHere(option, ctx, env);
  const throughRussia = isAtFront(ctx.profile) && !here;
  // Most decisive first: "do not go", then the journey through Russia, then the option's own rules.
  const requirements: Requirement[] = [];
  for (const rule of option.doNotGo) {
    if (evaluateRule(rule.when, ctx, env)) {
      requirements.push({ ruleId: rule.id, met: false, text: (language) => pickText(rule.reason, language) });
    }
  }
  if (throughRussia && holds('cannot-cross-russia', ctx, env)) {
    requirements.push({
      ruleId: 'journey.through-russia',
      met: false,
      text: (language) => rankMessages[language].throughRussia,
    });
  }
  if (here && option.eligibility.some((r) => r.scope === 'entry')) {
    requirements.push({
      ruleId: 'journey.here',
      met: true,
      text: (language) => rankMessages[language].alreadyHere(option.country),
    });
  }
  for (const rule of option.eligibility) {
    if (rule.scope === 'entry' && here) continue;
    if (rule.scope === 'here' && !here) continue;
    requirements.push({
      ruleId: rule.id,
      met: evaluateRule(rule.when, ctx, env),
      text: (language) => pickText(rule.reason, language),
    });
  }
  return { viable: requirements.every((r) => r.met), here, throughRussia, requirements };
}

function presentOption(
  option: OptionContent,
  kb: KnowledgeBase,
  ctx: RuleContext,
  env: RuleEnvironment,
  language: Locale,
): Omit<PathwayOption, 'rank'> {
  const { viable, here, throughRussia, requirements } = assessViability(option, ctx, env);
  // A viable option lists the requirements it meets; a non-viable one only those it fails.
  const viableReasons = requirements
    .filter((r) => r.met === viable)
    .map((r) => ({ ruleId: r.ruleId, text: r.text(language) }));
  const countryName = pickText(
    kb.countries.get(option.country) ?? { ru: option.country, en: option.country },
    language,
  );
  for (const r of viableReasons) {
    if (r.ruleId === 'journey.here') r.text = rankMessages[language].alreadyHere(countryName);
  }

  const riskRules = [
    { id: option.baseRisk.id, level: option.baseRisk.level, reason: option.baseRisk.reason },
    ...option.risks.filter((r) => evaluateRule(r.when, ctx, env)),
  ];
  let level: RiskLevel = 'low';
  for (const r of riskRules) if (riskOrder[r.level] > riskOrder[level]) level = r.level;
  const riskReasons = riskRules
    .map((r) => ({ ruleId: r.id, level: r.level, text: pickText(r.reason, language) }))
    .sort((a, b) => riskOrder[b.level] - riskOrder[a.level]);

  const factIds = new Set<string>([
    ...option.entry.facts,
    ...option.baseRisk.facts,
    ...option.eligibility.flatMap((r) => r.facts),
    ...option.doNotGo.flatMap((r) => r.facts),
    ...option.risks.flatMap((r) => r.facts),
  ]);
  const facts = [...factIds]
    .sort()
    .map((id) => kb.facts.get(id))
    .filter((f): f is Fact => f !== undefined);
  let reviewed = facts[0]?.reviewed ?? '';
  let confidence: Confidence = 'high';
  for (const f of facts) {
    if (f.reviewed < reviewed) reviewed = f.reviewed;
    if (confidenceOrder[f.confidence] < confidenceOrder[confidence]) confidence = f.confidence;
  }

  return {
    id: option.id,
    country: option.country,
    countryName,
    kind: option.kind,
    title: pickText(option.title, language),
    summary: pickText(option.summary, language),
    viable: { value: viable, reasons: viableReasons },
    risk: { level, reasons: riskReasons },
    entry: {
      documents: pickText(option.entry.documents, language),
      stay: pickText(option.entry.stay, language),
      visa: pickText(option.entry.visa, language),
    },
    steps: option.steps.map((s) => pickText(s, language)),
    documentsNeeded: option.documentsNeeded.map((s) => pickText(s, language)),
    costs: option.costs.map((s) => pickText(s, language)),
    uncertain: facts.flatMap((f) => (f.uncertain === undefined ? [] : [pickText(f.uncertain, language)])),
    facts: facts.map((f) => ({
      id: f.id,
      text: pickText(f.text, language),
      confidence: f.confidence,
      reviewed: f.reviewed,
      ...(f.uncertain === undefined ? {} : { uncertain: pickText(f.uncertain, language) }),
      sources: [...f.sources],
    })),
    sources: sourcesOf([...factIds], kb),
    reviewed,
    confidence,
    journey: {
      here,
      throughRussia,
      crossings: here ? 0 : throughRussia ? 2 : 1,
      documentsToObtain: here ? 0 : option.documentsToObtain,
    },
  };
}

function sourcesOf(factIds: readonly string[], kb: KnowledgeBase): SourceRef[] {
  const ids = new Set<string>();
  for (const id of factIds) for (const s of kb.facts.get(id)?.sources ?? []) ids.add(s);
  return [...ids]
    .sort()
    .map((id) => kb.sources.get(id))
    .filter((s) => s !== undefined)
    .map((s) => ({ id: s.id, title: s.title, publisher: s.publisher, url: s.url, accessed: s.accessed }));
}
