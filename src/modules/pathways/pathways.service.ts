import { type Actor, requireAllowed } from '../../access/index.ts';
import { findFactsDueSoon, findStaleFacts, type KnowledgeBase } from './content-loader.ts';
import type { PackInfo } from './content-pack.ts';
import { pickText, type SourceRef } from './engine.ts';
import { getKnowledgeBase, servingContentPack } from './knowledge.ts';
import { canSeeContentStaleness } from './pathways.policy.ts';
import type { Confidence, Locale } from './pathways.schemas.ts';

/**
 * Staff-facing reads of the knowledge base. The staleness report holds no personal data (it is
 * about the content), so reading it is not audited; it is still refused (404) to roles without
 * pathways.review_content, like any staff page that is not theirs.
 */
/** What the report shows of any fact: its text, confidence, sources and the routes resting on it. */
interface FactDetails {
  id: string;
  text: string;
  reviewed: string;
  confidence: Confidence;
  citedBy: Array<{ id: string; title: string }>;
  sources: SourceRef[];
}

export interface StaleFactItem extends FactDetails {
  ageDays: number;
  reviewEveryDays: number;
  /** The fact's own end date, if any; `expired` when it has passed. */
  expires?: string;
  expired: boolean;
}

export interface DueFactItem extends FactDetails {
  reason: 'review' | 'expires';
  dueOn: string;
  daysLeft: number;
}

export interface StalenessReport {
  contentVersion: string;
  /** The content pack serving, if one was published (ADR 0103); else the built-in content. */
  pack: PackInfo | undefined;
  today: string;
  staleAfterDays: number;
  /** The look-ahead window of `dueSoon` (meta.yaml dueSoonDays; 30). */
  dueSoonDays: number;
  totalFacts: number;
  facts: StaleFactItem[];
  /** Facts not stale yet whose review or end date falls within dueSoonDays, soonest first. */
  dueSoon: DueFactItem[];
  /** Options whose advice rests on at least one stale fact, with how many. */
  options: Array<{ id: string; title: string; countryName: string; staleFacts: number }>;
}

function describeFact(
  kb: KnowledgeBase,
  titles: ReadonlyMap<string, string>,
  locale: Locale,
  id: string,
  citedBy: readonly string[],
): FactDetails {
  const fact = kb.facts.get(id);
  return {
    id,
    text: fact === undefined ? '' : pickText(fact.text, locale),
    reviewed: fact?.reviewed ?? '',
    confidence: fact?.confidence ?? 'low',
    citedBy: citedBy.map((c) => ({ id: c, title: titles.get(c) ?? c })),
    sources: (fact?.sources ?? [])
      .map((s) => kb.sources.get(s))
      .filter((src) => src !== undefined)
      .map((src) => ({
        id: src.id,
        title: src.title,
        publisher: src.publisher,
        url: src.url,
        accessed: src.accessed,
      })),
  };
}

/**
 * Facts past their review interval (meta.yaml staleAfterDays, 90, unless a fact sets its own) or
 * past their own end date, oldest first; then what falls due within dueSoonDays (ADR 0063, 0100).
 */
export async function getStalenessReport(
  actor: Actor,
  locale: Locale,
  today: string = new Date().toISOString().slice(0, 10),
): Promise<StalenessReport> {
  requireAllowed(canSeeContentStaleness(actor), 'pathways staleness report');
  const kb = await getKnowledgeBase();
  const days = kb.meta.staleAfterDays;
  const titles = new Map(kb.options.map((o) => [o.id, pickText(o.title, locale)]));
  const stale = findStaleFacts(kb, today, days);
  const facts: StaleFactItem[] = stale.map((s) => ({
    ...describeFact(kb, titles, locale, s.id, s.citedBy),
    ageDays: s.ageDays,
    reviewEveryDays: s.reviewEveryDays,
    ...(s.expires === undefined ? {} : { expires: s.expires }),
    expired: s.expired,
  }));
  const dueSoon: DueFactItem[] = findFactsDueSoon(kb, today, kb.meta.dueSoonDays, days).map((d) => ({
    ...describeFact(kb, titles, locale, d.id, d.citedBy),
    reason: d.reason,
    dueOn: d.dueOn,
    daysLeft: d.daysLeft,
  }));
  const perOption = new Map<string, number>();
  for (const f of stale) {
    for (const id of f.citedBy) if (titles.has(id)) perOption.set(id, (perOption.get(id) ?? 0) + 1);
  }
  const options = kb.options
    .filter((o) => perOption.has(o.id))
    .map((o) => ({
      id: o.id,
      title: pickText(o.title, locale),
      countryName: pickText(kb.countries.get(o.country) ?? { ru: o.country, en: o.country }, locale),
      staleFacts: perOption.get(o.id) ?? 0,
    }))
    .sort((a, b) => b.staleFacts - a.staleFacts || (a.id < b.id ? -1 : 1));
  const pack = servingContentPack();
  return {
    contentVersion: kb.version,
    pack: pack?.contentVersion === kb.version ? pack : undefined,
    today,
    staleAfterDays: days,
    dueSoonDays: kb.meta.dueSoonDays,
    totalFacts: kb.facts.size,
    facts,
    dueSoon,
    options,
  };
}
