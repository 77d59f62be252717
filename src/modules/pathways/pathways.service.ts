import { type Actor, requireAllowed } from '../auth/auth.policy.ts';
import { findStaleFacts } from './content-loader.ts';
import { pickText, type SourceRef } from './engine.ts';
import type { PackInfo } from './content-pack.ts';
import { getKnowledgeBase, servingContentPack } from './knowledge.ts';
import { canSeeContentStaleness } from './pathways.policy.ts';
import type { Confidence, Locale } from './pathways.schemas.ts';

/**
 * Staff-facing reads of the knowledge base. The staleness report holds no personal data (it is
 * about the content), so reading it is not audited; it is still refused (404) to roles without
 * pathways.review_content, like any staff page that is not theirs.
 */
export interface StaleFactItem {
  id: string;
  text: string;
  reviewed: string;
  ageDays: number;
  confidence: Confidence;
  citedBy: Array<{ id: string; title: string }>;
  sources: SourceRef[];
}

export interface StalenessReport {
  contentVersion: string;
  /** The content pack serving, if one was published (ADR 0103); else the built-in content. */
  pack: PackInfo | undefined;
  today: string;
  staleAfterDays: number;
  totalFacts: number;
  facts: StaleFactItem[];
  /** Options whose advice rests on at least one stale fact, with how many. */
  options: Array<{ id: string; title: string; countryName: string; staleFacts: number }>;
}

/** Facts reviewed more than `staleAfterDays` (meta.yaml; 90) days before `today`, oldest first. */
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
  const facts: StaleFactItem[] = stale.map((s) => {
    const fact = kb.facts.get(s.id);
    return {
      id: s.id,
      text: fact === undefined ? '' : pickText(fact.text, locale),
      reviewed: s.reviewed,
      ageDays: s.ageDays,
      confidence: fact?.confidence ?? 'low',
      citedBy: s.citedBy.map((id) => ({ id, title: titles.get(id) ?? id })),
      sources: (fact?.sources ?? [])
        .map((id) => kb.sources.get(id))
        .filter((src) => src !== undefined)
        .map((src) => ({
          id: src.id,
          title: src.title,
          publisher: src.publisher,
          url: src.url,
          accessed: src.accessed,
        })),
    };
  });
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
    totalFacts: kb.facts.size,
    facts,
    options,
  };
}
