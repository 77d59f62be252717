/**
 * Loads content/pathways/**, validates every file against its schema and every cross-reference,
 * and returns a typed knowledge base. The content version is a SHA-256 over the files' paths and
 * bytes, so a pathway check saved to a case can be traced to the exact content it used.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import {
  countryFileSchema,
  type Fact,
  generalFileSchema,
  type LocalizedText,
  metaFileSchema,
  type OptionContent,
  predicatesFileSchema,
  type RuleExpr,
  type Source,
  sourcesFileSchema,
  type WarningRule,
} from './pathways.schemas.ts';
import { collectReferences, findNegatedDocumentTests } from './rules.ts';

/** Where the knowledge base lives in this repository. */
export const defaultContentDir = fileURLToPath(new URL('../../../content/pathways/', import.meta.url));

/** A content file is larger than any sane YAML file here; refuse rather than parse it. */
const maxFileBytes = 512 * 1024;

export interface KnowledgeBase {
  /** sha256 hex of the content files (paths and bytes). */
  version: string;
  meta: z.output<typeof metaFileSchema>;
  sources: ReadonlyMap<string, Source>;
  facts: ReadonlyMap<string, Fact>;
  predicates: ReadonlyMap<string, RuleExpr>;
  countries: ReadonlyMap<string, LocalizedText>;
  options: readonly OptionContent[];
  warnings: readonly WarningRule[];
  /** Relative paths of the files that were loaded, sorted. */
  files: readonly string[];
}

/** The content is invalid; `issues` lists every problem found, one line each. */
export class PathwaysContentError extends Error {
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`pathways content is invalid:\n  ${issues.join('\n  ')}`);
    this.name = 'PathwaysContentError';
    this.issues = issues;
  }
}

async function listYamlFiles(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listYamlFiles(root, child)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(child);
  }
  return out;
}

function formatZodIssues(file: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** One content file: its path relative to the content root (with `/`), and its bytes. */
export interface ContentFile {
  path: string;
  bytes: Buffer;
}

/** The content files of a directory, sorted by path. */
export async function readContentDir(dir: string = defaultContentDir): Promise<ContentFile[]> {
  const files = (await listYamlFiles(dir)).sort();
  return Promise.all(
    files.map(async (file) => ({ path: file, bytes: await readFile(path.join(dir, file)) })),
  );
}

/** The content version (ADR 0034): SHA-256 over each file's path and bytes, in sorted path order. */
export function contentVersionOf(files: readonly ContentFile[]): string {
  const hash = createHash('sha256');
  for (const { path: file, bytes } of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    hash.update(file).update('\0').update(bytes).update('\0');
  }
  return hash.digest('hex');
}

/** Reads and validates the knowledge base. Throws PathwaysContentError listing every problem. */
export async function loadKnowledgeBase(dir: string = defaultContentDir): Promise<KnowledgeBase> {
  return buildKnowledgeBase(await readContentDir(dir));
}

/**
 * Validates content files however they arrived (a directory, or a verified content pack, ADR
 * 0102) and builds the knowledge base. Throws PathwaysContentError listing every problem.
 */
export function buildKnowledgeBase(contentFiles: readonly ContentFile[]): KnowledgeBase {
  const sorted = [...contentFiles].sort((a, b) => (a.path < b.path ? -1 : 1));
  const files = sorted.map((f) => f.path);
  const issues: string[] = [];

  let meta: z.output<typeof metaFileSchema> | undefined;
  const sourceList: Source[] = [];
  const factList: Array<{ fact: Fact; file: string }> = [];
  const predicateList: Array<{ id: string; when: RuleExpr }> = [];
  const optionList: Array<{ option: OptionContent; file: string; countryCode: string }> = [];
  const warningList: WarningRule[] = [];
  const countries = new Map<string, LocalizedText>();

  for (const { path: file, bytes } of sorted) {
    if (bytes.length > maxFileBytes) {
      issues.push(`${file}: larger than ${maxFileBytes} bytes`);
      continue;
    }
    let doc: unknown;
    try {
      doc = parseYaml(bytes.toString('utf8'), { uniqueKeys: true, maxAliasCount: 0, merge: false });
    } catch (err) {
      issues.push(`${file}: YAML error: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const base = path.posix.basename(file);
    if (file === 'meta.yaml') {
      const r = metaFileSchema.safeParse(doc);
      if (r.success) meta = r.data;
      else issues.push(...formatZodIssues(file, r.error));
    } else if (file === 'sources.yaml') {
      const r = sourcesFileSchema.safeParse(doc);
      if (r.success) sourceList.push(...r.data.sources);
      else issues.push(...formatZodIssues(file, r.error));
    } else if (file === 'predicates.yaml') {
      const r = predicatesFileSchema.safeParse(doc);
      if (r.success) predicateList.push(...r.data.predicates);
      else issues.push(...formatZodIssues(file, r.error));
    } else if (file.startsWith('general/')) {
      const r = generalFileSchema.safeParse(doc);
      if (r.success) {
        for (const fact of r.data.facts) factList.push({ fact, file });
        warningList.push(...r.data.warnings);
      } else issues.push(...formatZodIssues(file, r.error));
    } else if (file.startsWith('countries/')) {
      const r = countryFileSchema.safeParse(doc);
      if (!r.success) {
        issues.push(...formatZodIssues(file, r.error));
        continue;
      }
      const { country } = r.data;
      if (base.replace(/\.ya?ml$/, '').toUpperCase() !== country.code) {
        issues.push(`${file}: file name must be the country code (${country.code.toLowerCase()}.yaml)`);
      }
      if (countries.has(country.code)) issues.push(`${file}: country ${country.code} is defined twice`);
      countries.set(country.code, country.name);
      for (const fact of r.data.facts) factList.push({ fact, file });
      for (const option of r.data.options) optionList.push({ option, file, countryCode: country.code });
    } else {
      issues.push(
        `${file}: unexpected file (expected meta.yaml, sources.yaml, predicates.yaml, general/*, countries/*)`,
      );
    }
  }
  if (meta === undefined && !files.includes('meta.yaml')) issues.push('meta.yaml is missing');

  const sources = uniqueById(sourceList, 'source', issues);
  const facts = new Map<string, Fact>();
  for (const { fact, file } of factList) {
    if (facts.has(fact.id)) issues.push(`${file}: fact "${fact.id}" is defined twice`);
    facts.set(fact.id, fact);
  }
  const predicates = new Map<string, RuleExpr>();
  for (const p of predicateList) {
    if (predicates.has(p.id)) issues.push(`predicates.yaml: predicate "${p.id}" is defined twice`);
    predicates.set(p.id, p.when);
  }
  const options = new Map<string, OptionContent>();
  for (const { option, file, countryCode } of optionList) {
    if (options.has(option.id)) issues.push(`${file}: option "${option.id}" is defined twice`);
    if (option.country !== countryCode) {
      issues.push(`${file}: option "${option.id}" has country ${option.country}, file is ${countryCode}`);
    }
    options.set(option.id, option);
  }

  checkReferences({ sources, facts, predicates, options, warnings: warningList, issues });
  if (meta !== undefined) {
    for (const code of meta.requiredCoverage) {
      if (![...options.values()].some((o) => o.country === code)) {
        issues.push(`meta.yaml: required coverage ${code} has no option`);
      }
    }
  }

  if (issues.length > 0 || meta === undefined) throw new PathwaysContentError(issues);
  return {
    version: contentVersionOf(sorted),
    meta,
    sources,
    facts,
    predicates,
    countries,
    options: [...options.values()],
    warnings: warningList,
    files,
  };
}

function uniqueById<T extends { id: string }>(items: T[], what: string, issues: string[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    if (map.has(item.id)) issues.push(`${what} "${item.id}" is defined twice`);
    map.set(item.id, item);
  }
  return map;
}

interface ReferenceCheckInput {
  sources: ReadonlyMap<string, Source>;
  facts: ReadonlyMap<string, Fact>;
  predicates: ReadonlyMap<string, RuleExpr>;
  options: ReadonlyMap<string, OptionContent>;
  warnings: readonly WarningRule[];
  issues: string[];
}

/**
 * Every reference must resolve (no dead references), nothing may be defined and never used,
 * option and predicate references must not form cycles, rule ids must be unique, and no rule
 * may test a document under `not` (see findNegatedDocumentTests).
 */
function checkReferences({
  sources,
  facts,
  predicates,
  options,
  warnings,
  issues,
}: ReferenceCheckInput): void {
  const usedSources = new Set<string>();
  const usedFacts = new Set<string>();
  const ruleIds = new Set<string>();
  const lookup = (id: string): RuleExpr | undefined => predicates.get(id);

  for (const fact of facts.values()) {
    for (const s of fact.sources) {
      if (!sources.has(s)) issues.push(`fact "${fact.id}": unknown source "${s}"`);
      usedSources.add(s);
    }
  }
  const citeFacts = (where: string, ids: readonly string[]): void => {
    for (const id of ids) {
      if (!facts.has(id)) issues.push(`${where}: unknown fact "${id}"`);
      usedFacts.add(id);
    }
  };
  const checkExpr = (where: string, expr: RuleExpr, polarityMatters: boolean): void => {
    const refs = collectReferences(expr);
    for (const p of refs.predicates)
      if (!predicates.has(p)) issues.push(`${where}: unknown predicate "${p}"`);
    for (const o of refs.options) if (!options.has(o)) issues.push(`${where}: unknown option "${o}"`);
    if (polarityMatters) {
      for (const problem of findNegatedDocumentTests(expr, lookup)) {
        issues.push(`${where}: a document may only ever help (${problem})`);
      }
    }
  };
  const claimRuleId = (where: string, id: string): void => {
    if (ruleIds.has(id)) issues.push(`${where}: rule id "${id}" is used twice`);
    ruleIds.add(id);
  };

  for (const [id, expr] of predicates) checkExpr(`predicate "${id}"`, expr, false);
  for (const option of options.values()) {
    const where = `option "${option.id}"`;
    citeFacts(`${where} entry`, option.entry.facts);
    claimRuleId(where, option.baseRisk.id);
    citeFacts(`${where} ${option.baseRisk.id}`, option.baseRisk.facts);
    for (const rule of option.eligibility) {
      claimRuleId(where, rule.id);
      citeFacts(`${where} ${rule.id}`, rule.facts);
      checkExpr(`${where} ${rule.id}`, rule.when, true);
    }
    for (const rule of option.doNotGo) {
      claimRuleId(where, rule.id);
      citeFacts(`${where} ${rule.id}`, rule.facts);
      // A "do not go" rule closes the option when it holds: it must never hold *because* a person
      // holds a document, so it is checked as if it stood under a `not` (ADR 0033, ADR 0098).
      checkExpr(`${where} ${rule.id}`, { not: rule.when }, true);
    }
    for (const rule of option.risks) {
      claimRuleId(where, rule.id);
      citeFacts(`${where} ${rule.id}`, rule.facts);
      checkExpr(`${where} ${rule.id}`, rule.when, false);
    }
  }
  for (const warning of warnings) {
    claimRuleId(`warning "${warning.id}"`, warning.id);
    citeFacts(`warning "${warning.id}"`, warning.facts);
    checkExpr(`warning "${warning.id}"`, warning.when, false);
  }
  for (const id of sources.keys()) if (!usedSources.has(id)) issues.push(`source "${id}" is never cited`);
  for (const [id, fact] of facts)
    if (!usedFacts.has(id) && fact.citedBy === undefined) issues.push(`fact "${id}" is never cited`);

  findCycles(
    'predicate',
    [...predicates.keys()],
    (id) => {
      const expr = predicates.get(id);
      return expr === undefined ? [] : collectReferences(expr).predicates;
    },
    issues,
  );
  findCycles(
    'option',
    [...options.keys()],
    (id) => {
      const option = options.get(id);
      if (option === undefined) return [];
      const out: string[] = [];
      for (const rule of [...option.eligibility, ...option.doNotGo]) {
        out.push(...optionRefsDeep(rule.when, predicates));
      }
      return out;
    },
    issues,
  );
}

/** Option references of a rule, following predicates. */
export function optionRefsDeep(expr: RuleExpr, predicates: ReadonlyMap<string, RuleExpr>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (e: RuleExpr): void => {
    const refs = collectReferences(e);
    out.push(...refs.options);
    for (const p of refs.predicates) {
      if (seen.has(p)) continue;
      seen.add(p);
      const target = predicates.get(p);
      if (target !== undefined) walk(target);
    }
  };
  walk(expr);
  return out;
}

function findCycles(what: string, ids: string[], edges: (id: string) => string[], issues: string[]): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      issues.push(`${what} references form a cycle: ${[...trail, id].join(' -> ')}`);
      return;
    }
    state.set(id, 'visiting');
    for (const next of edges(id)) visit(next, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of [...ids].sort()) visit(id, []);
}

export interface StaleFact {
  id: string;
  reviewed: string;
  ageDays: number;
  /** The review interval that applied: the fact's own reviewEveryDays, else the report's window. */
  reviewEveryDays: number;
  /** The fact's own end date, when it has one (a law's sunset). */
  expires?: string;
  /** True when `expires` has passed: the stated rule may have lapsed or been renewed. */
  expired: boolean;
  /** Options and warnings whose advice rests on this fact. */
  citedBy: string[];
}

/** A fact that is not stale yet but falls due within the look-ahead window. */
export interface DueFact {
  id: string;
  reviewed: string;
  /** Why it falls due: its review interval runs out, or the rule it states ends. */
  reason: 'review' | 'expires';
  /** The day it falls due: the last day of its review interval, or its `expires` date. */
  dueOn: string;
  /** Days from today to dueOn (0 = today). */
  daysLeft: number;
  expires?: string;
  citedBy: string[];
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Options and warnings citing each fact, sorted. */
function citations(kb: KnowledgeBase): Map<string, string[]> {
  const citedBy = new Map<string, Set<string>>();
  const cite = (who: string, ids: readonly string[]): void => {
    for (const id of ids) {
      const set = citedBy.get(id) ?? new Set<string>();
      set.add(who);
      citedBy.set(id, set);
    }
  };
  for (const o of kb.options) {
    cite(o.id, o.entry.facts);
    cite(o.id, o.baseRisk.facts);
    for (const r of [...o.eligibility, ...o.doNotGo, ...o.risks]) cite(o.id, r.facts);
  }
  for (const w of kb.warnings) cite(w.id, w.facts);
  return new Map([...citedBy].map(([id, set]) => [id, [...set].sort()]));
}

interface ReviewState {
  ageDays: number;
  interval: number;
  expired: boolean;
  stale: boolean;
}

function reviewState(fact: Fact, today: string, defaultDays: number): ReviewState {
  const ageDays = daysBetween(fact.reviewed, today);
  const interval = fact.reviewEveryDays ?? defaultDays;
  const expired = fact.expires !== undefined && fact.expires < today;
  return { ageDays, interval, expired, stale: ageDays > interval || expired };
}

/**
 * Facts due for review on `today` (YYYY-MM-DD), oldest first: the coordinators' staleness report.
 * A fact is stale when it was reviewed more than its interval ago (its own `reviewEveryDays`, else
 * `days`), or when its `expires` date has passed.
 */
export function findStaleFacts(kb: KnowledgeBase, today: string, days = 90): StaleFact[] {
  const citedBy = citations(kb);
  const stale: StaleFact[] = [];
  for (const fact of kb.facts.values()) {
    const state = reviewState(fact, today, days);
    if (!state.stale) continue;
    stale.push({
      id: fact.id,
      reviewed: fact.reviewed,
      ageDays: state.ageDays,
      reviewEveryDays: state.interval,
      ...(fact.expires === undefined ? {} : { expires: fact.expires }),
      expired: state.expired,
      citedBy: citedBy.get(fact.id) ?? [],
    });
  }
  return stale.sort((a, b) => b.ageDays - a.ageDays || a.id.localeCompare(b.id));
}

/**
 * Facts that are not stale on `today` but fall due within the next `withinDays` days (their
 * review interval runs out, or the rule they state ends), soonest first. With findStaleFacts this
 * is the whole review agenda: what is overdue, and what is coming (ADR 0100).
 */
export function findFactsDueSoon(kb: KnowledgeBase, today: string, withinDays = 30, days = 90): DueFact[] {
  const citedBy = citations(kb);
  const horizon = addDays(today, withinDays);
  const due: DueFact[] = [];
  for (const fact of kb.facts.values()) {
    const state = reviewState(fact, today, days);
    if (state.stale) continue;
    const candidates: Array<{ reason: DueFact['reason']; dueOn: string }> = [];
    const reviewDue = addDays(fact.reviewed, state.interval);
    if (reviewDue <= horizon) candidates.push({ reason: 'review', dueOn: reviewDue });
    if (fact.expires !== undefined && fact.expires <= horizon) {
      candidates.push({ reason: 'expires', dueOn: fact.expires });
    }
    const first = candidates.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0))[0];
    if (first === undefined) continue;
    due.push({
      id: fact.id,
      reviewed: fact.reviewed,
      reason: first.reason,
      dueOn: first.dueOn,
      daysLeft: daysBetween(today, first.dueOn),
      ...(fact.expires === undefined ? {} : { expires: fact.expires }),
      citedBy: citedBy.get(fact.id) ?? [],
    });
  }
  return due.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.id.localeCompare(b.id)));
}
