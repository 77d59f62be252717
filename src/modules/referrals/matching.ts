import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { blindIndex } from '../../crypto/index.ts';
import type { PartnerKind } from '../../db/types.ts';
import { recordAudit } from '../audit/index.ts';
import { authoriseCase } from '../case-access/index.ts';
import { latestPathwayDestinations } from '../case-pathways/index.ts';
import { readPerson } from '../cases/index.ts';
import { normaliseForIndex, type PartnerSummary, summarisePartners } from './partners.service.ts';
import { findMatchCandidates, findPartnersByIds, type PartnerCandidate } from './referrals.repository.ts';
import { type MatchQuery, matchQuerySchema } from './referrals.schemas.ts';

/**
 * Matching partners to a case (issue 14, ADR 0130). Hard constraints filter in SQL, on clear
 * columns and the city's blind index: vetted, in the destination country, of the kind asked,
 * with room for the people on the arrival day, speaking one of the languages. Soft ones score,
 * and each line carries its reasons: shared languages, specialties that meet the needs, a
 * family-friendly host for a family, room to spare, the partner's past outcomes, and whether
 * the country is the pathway check's first viable destination. Only the shown partners are
 * decrypted.
 */
/** The best candidates fetched (ranked in SQL): enough for MAX_SHOWN after the exact city check. */
export const MAX_CANDIDATES = 100;
export const MAX_SHOWN = 20;

export interface MatchReason {
  key:
    | 'referrals.why.country'
    | 'referrals.why.destination'
    | 'referrals.why.city'
    | 'referrals.why.room'
    | 'referrals.why.window'
    | 'referrals.why.vetted'
    | 'referrals.why.languages'
    | 'referrals.why.specialties'
    | 'referrals.why.family'
    | 'referrals.why.spare'
    | 'referrals.why.history'
    | 'referrals.why.new';
  params?: Record<string, string | number>;
  points: number;
}

export interface ScoredCandidate {
  row: PartnerCandidate;
  score: number;
  reasons: MatchReason[];
}

/** Scores candidates that passed the hard constraints; pure, so the ranking is tested without a database. */
export function scoreCandidates(
  rows: readonly PartnerCandidate[],
  q: MatchQuery & { destination: boolean },
): ScoredCandidate[] {
  const scored = rows.map((row) => {
    const reasons: MatchReason[] = [
      { key: 'referrals.why.vetted', points: 0 },
      {
        key: q.destination ? 'referrals.why.destination' : 'referrals.why.country',
        params: { country: row.country },
        points: 0,
      },
      { key: 'referrals.why.room', params: { places: row.capacity_places, people: q.people }, points: 0 },
    ];
    if (q.city !== '') reasons.push({ key: 'referrals.why.city', params: { city: q.city }, points: 0 });
    if (q.arrival !== undefined)
      reasons.push({ key: 'referrals.why.window', params: { day: q.arrival }, points: 0 });
    const langs = row.languages.filter((l) => q.languages.includes(l as never));
    if (langs.length > 0)
      reasons.push({
        key: 'referrals.why.languages',
        params: { list: langs.join(', ') },
        points: 3 * langs.length,
      });
    const specs = row.specialties.filter((s) => q.specialties.includes(s as never));
    if (specs.length > 0)
      reasons.push({
        key: 'referrals.why.specialties',
        params: { list: specs.join(', ') },
        points: 2 * specs.length,
      });
    if (q.people >= 2 && row.specialties.includes('families') && !q.specialties.includes('families')) {
      reasons.push({ key: 'referrals.why.family', points: 2 });
    }
    const spare = row.capacity_places - q.people;
    if (spare > 0)
      reasons.push({ key: 'referrals.why.spare', params: { spare }, points: Math.min(2, spare) * 0.5 });
    const answered = row.accepted_count + row.declined_count;
    if (answered === 0) {
      reasons.push({ key: 'referrals.why.new', points: 0 });
    } else {
      // Laplace-smoothed share of accepted and completed referrals: a partner that often declines sinks.
      const rate = (row.accepted_count + row.completed_count + 1) / (answered + row.accepted_count + 2);
      reasons.push({
        key: 'referrals.why.history',
        params: {
          accepted: row.accepted_count,
          declined: row.declined_count,
          completed: row.completed_count,
        },
        points: Math.round(rate * 40) / 10,
      });
    }
    const score = Math.round(reasons.reduce((s, r) => s + r.points, 0) * 10) / 10;
    return { row, score, reasons };
  });
  return scored.sort((a, b) => b.score - a.score || (a.row.id < b.row.id ? -1 : 1));
}

export interface MatchLine {
  partner: PartnerSummary;
  score: number;
  reasons: MatchReason[];
}

export interface MatchResult {
  ref: string;
  query: MatchQuery;
  /** Where the prefilled values came from. */
  prefilled: { destination: string | null; people: number | null };
  lines: MatchLine[];
  candidates: number;
}

/**
 * The ranked, explained list for a case. Without a country in the query, the destination is the
 * case's latest pathway check's first viable option; without a number of people, the person and
 * their family. Content access to the case is needed (it reads the person and the check).
 */
export async function matchPartners(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<MatchResult> {
  const db = ctx.database.db;
  const auth = await authoriseCase(db, actor, ref, 'content');
  const raw = (input ?? {}) as Record<string, unknown>;
  const parsed = matchQuerySchema.safeParse(raw);
  const query: MatchQuery = parsed.success ? parsed.data : matchQuerySchema.parse({});
  const prefilled: MatchResult['prefilled'] = { destination: null, people: null };
  let readContent = false;
  if (query.country === '') {
    readContent = true;
    const destinations = await latestPathwayDestinations(ctx, db, auth.row.id);
    const first = destinations.find((d) => d.viable && /^[A-Z]{2}$/.test(d.country));
    if (first !== undefined) {
      query.country = first.country;
      prefilled.destination = first.country;
    }
  }
  if (raw.people === undefined || raw.people === '') {
    readContent = true;
    const person = await readPerson(ctx, db, auth.row);
    query.people = Math.min(30, 1 + person.family.length);
    prefilled.people = query.people;
  }
  // Case content was read only to prefill (the saved check, the person): audited as a read then.
  if (readContent) {
    await recordAudit(db, {
      actor: actorLabel(actor),
      action: 'case.read',
      target: `case:${auth.row.ref}`,
      reason: auth.viaBreakGlass ? 'referral matching, break-glass' : 'referral matching',
    });
  }
  if (query.country === '') return { ref: auth.row.ref, query, prefilled, lines: [], candidates: 0 };
  const keyring = ctx.vault.requireKeyring();
  const { rows, total } = await findMatchCandidates(
    db,
    {
      country: query.country,
      ...(query.kind === '' ? {} : { kind: query.kind as PartnerKind }),
      people: query.people,
      ...(query.arrival === undefined ? {} : { arrival: query.arrival }),
      languages: query.languages,
      specialties: query.specialties,
      ...(query.city === ''
        ? {}
        : { cityIndex: blindIndex(keyring, 'partner_city', normaliseForIndex(query.city)) }),
    },
    MAX_CANDIDATES,
  );
  const scored = scoreCandidates(rows, { ...query, destination: prefilled.destination !== null });
  // Decrypt the best ones only; a city asked for is compared exactly (the blind index is truncated).
  const lines: MatchLine[] = [];
  for (let start = 0; start < scored.length && lines.length < MAX_SHOWN; start += MAX_SHOWN) {
    const slice = scored.slice(start, start + MAX_SHOWN);
    const summaries = new Map(
      (
        await summarisePartners(
          ctx,
          db,
          await findPartnersByIds(
            db,
            slice.map((s) => s.row.id),
          ),
        )
      ).map((p) => [p.id, p]),
    );
    for (const s of slice) {
      const partner = summaries.get(s.row.id);
      if (partner === undefined) continue;
      if (query.city !== '' && normaliseForIndex(partner.city) !== normaliseForIndex(query.city)) continue;
      if (lines.length < MAX_SHOWN) lines.push({ partner, score: s.score, reasons: s.reasons });
    }
  }
  return { ref: auth.row.ref, query, prefilled, lines, candidates: total };
}
