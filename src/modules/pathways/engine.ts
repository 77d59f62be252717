/**
 * The eligibility engine: a validated profile and a knowledge base go in, ranked options and
 * warnings come out. Pure and deterministic: no clock, no I/O, no randomness. The evaluation day
 * is an explicit input because passport validity depends on it.
 */
import type { KnowledgeBase } from './content-loader.ts';
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
import { buildRuleContext, evaluateRule, type RuleContext, type RuleEnvironment } from './rules.ts';

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
}

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
  typicalDays?: number;
}

/**
 * Orders options as ADR 0031 explains: viable before not viable, then lower risk, then lower
 * base risk, then fewer steps, then fewer typical days, then id (never file order).
 */
export function compareOptions(a: PathwayOption & RankKeys, b: PathwayOption & RankKeys): number {
  if (a.viable.value !== b.viable.value) return a.viable.value ? -1 : 1;
  const risk = riskOrder[a.risk.level] - riskOrder[b.risk.level];
  if (risk !== 0) return risk;
  const base = riskOrder[a.baseRisk] - riskOrder[b.baseRisk];
  if (base !== 0) return base;
  const steps = a.steps.length - b.steps.length;
  if (steps !== 0) return steps;
  const days = (a.typicalDays ?? Number.MAX_SAFE_INTEGER) - (b.typicalDays ?? Number.MAX_SAFE_INTEGER);
  if (days !== 0) return days;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
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
      const value = option.eligibility.every((rule) => evaluateRule(rule.when, ctx, env));
      inProgress.delete(id);
      viability.set(id, value);
      return value;
    },
  };

  const options = kb.options.map((option) => ({
    ...presentOption(option, kb, ctx, env, language),
    baseRisk: option.baseRisk.level,
    ...(option.typicalDays === undefined ? {} : { typicalDays: option.typicalDays }),
  }));
  options.sort(compareOptions);
  const ranked: PathwayOption[] = options.map(({ typicalDays: _days, baseRisk: _base, ...rest }) => rest);

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

function presentOption(
  option: OptionContent,
  kb: KnowledgeBase,
  ctx: RuleContext,
  env: RuleEnvironment,
  language: Locale,
): PathwayOption {
  const results = option.eligibility.map((rule) => ({ rule, met: evaluateRule(rule.when, ctx, env) }));
  const viable = results.every((r) => r.met);
  // A viable option lists the requirements it meets; a non-viable one only those it fails.
  const viableReasons = results
    .filter((r) => r.met === viable)
    .map((r) => ({ ruleId: r.rule.id, text: pickText(r.rule.reason, language) }));

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
    countryName: pickText(
      kb.countries.get(option.country) ?? { ru: option.country, en: option.country },
      language,
    ),
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
