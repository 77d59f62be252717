import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { CASE_APPLICANT_TYPES } from '../../domain/applicant.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { countPathwayDestinations } from '../case-pathways/index.ts';
import { CLOSING_REASONS, countCasesOpened, today } from '../cases/index.ts';
import { dayAfter, quarterBounds } from './dashboard.service.ts';
import {
  addFractions,
  compareFractions,
  cryptoRandom,
  discreteGaussian,
  type Fraction,
  formatFraction,
  fraction,
  parseFraction,
  type RandomSource,
} from './dp-sampler.ts';
import { canPublishStatistics } from './reports.policy.ts';
import { DESTINATION_REGIONS, regionOf } from './reports.regions.ts';
import { findBudget, findRelease, insertRelease, listReleaseRows, lockBudget } from './reports.repository.ts';

/**
 * Public statistics with differential privacy (issue 19, ADR 0146).
 *
 * A release is the number of cases opened in one ended quarter: the total, and the counts by
 * month, by applicant type, by outcome and by destination region (ADR 0205). Each person is
 * one case and adds one to the total and to one cell of each of the four tables, so the
 * release's L2 sensitivity is √5. Every count gets independent discrete Gaussian noise with
 * σ² = 5/(2ρ), which makes the release ρ-zCDP (Canonne, Kamath, Steinke 2020, Theorem 14 with
 * Δ₂² = 5; ε-DP guarantees follow from ρ, e.g. ε = ρ + 2√(ρ·ln(1/δ)) for any δ). Releases made
 * before the region table existed had three tables and Δ₂² = 4; each release states its own.
 *
 * The region table counts the cases opened in the ISO weeks that begin in the quarter (the
 * destination counts are kept by week of opening, ADR 0170, and name no case), each under the
 * region of its chosen pathway or `none`; like the other tables it is then fitted to the
 * published total, which is post-processing and costs no privacy.
 *
 * The budget ledger: each dataset has a total ρ; releases add up (zCDP composes by adding ρ);
 * a release that would pass the total is refused and nothing is written. The budget row is
 * locked for the whole decision, so two releases at once cannot both squeeze in. The same
 * query (dataset and quarter) a second time answers the stored release: no fresh draw, no
 * averaging of repeated noise.
 *
 * Post-processing (free under differential privacy): the noisy total is clipped at 0, and each
 * table is made non-negative integers that add up to that total (largest remainders), so the
 * published figures are consistent across tables.
 */
export const RELEASE_DATASET = 'cases';
/** Total + four tables, each person in one cell of each: Δ₂² = 5. */
export const RELEASE_SENSITIVITY_SQUARED = 5n;
export const OUTCOMES = ['open', 'safe', ...CLOSING_REASONS] as const;

export interface ReleaseTables {
  total: number;
  month: Record<string, number>;
  applicant_type: Record<string, number>;
  outcome: Record<string, number>;
  /** Absent from releases made before ADR 0205. */
  destination_region?: Record<string, number>;
}

export interface Release {
  id: string;
  dataset: string;
  period: { from: string; to: string };
  mechanism: 'discrete_gaussian';
  /** ρ of zero-concentrated differential privacy that this release spent, "n/d". */
  rho: string;
  /** The noise's variance σ² for every count, "n/d". */
  sigma2: string;
  sensitivitySquared: number;
  createdAt: string;
  tables: ReleaseTables;
}

export interface BudgetView {
  dataset: string;
  total: string;
  spent: string;
}

const releaseSchema = z.object({
  quarter: z.string().regex(/^\d{4}-Q[1-4]$/),
  rho: z.string().max(40),
});

function rhoError(key: string): AppError {
  return new AppError('validation_failed', 'release refused', { fields: { rho: key } });
}

/** Makes a release, or answers the stored one for the same quarter. Refuses to pass the budget. */
export async function makeRelease(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { random?: RandomSource; now?: string } = {},
): Promise<{ release: Release; fresh: boolean }> {
  requireAllowed(canPublishStatistics(actor), 'reports.release');
  const parsed = releaseSchema.safeParse(input);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0] === 'rho' ? 'rho' : 'quarter';
    throw new AppError('validation_failed', 'bad release', {
      fields: { [field]: field === 'rho' ? 'reports.releases.error.rho' : 'reports.releases.error.period' },
    });
  }
  let rho: Fraction;
  try {
    rho = parseFraction(parsed.data.rho);
  } catch {
    throw rhoError('reports.releases.error.rho');
  }
  if (rho.n === 0n || compareFractions(rho, { n: 1n, d: 1n }) > 0)
    throw rhoError('reports.releases.error.rho');
  const period = quarterBounds(parsed.data.quarter);
  if (period.to >= (options.now ?? today())) {
    throw new AppError('validation_failed', 'quarter not ended', {
      fields: { quarter: 'reports.releases.error.period' },
    });
  }
  const random = options.random ?? cryptoRandom;
  const queryKey = `quarter:${parsed.data.quarter}`;
  return ctx.database.db.transaction().execute(async (trx) => {
    const budget = await lockBudget(trx, RELEASE_DATASET);
    if (budget === undefined) throw new AppError('not_found', 'no such dataset');
    const stored = await findRelease(trx, RELEASE_DATASET, queryKey);
    if (stored !== undefined) return { release: presentRelease(stored), fresh: false };
    const spent = (await listReleaseRows(trx, RELEASE_DATASET)).reduce(
      (a, r) => addFractions(a, parseFraction(r.rho)),
      fraction(0n, 1n),
    );
    if (compareFractions(addFractions(spent, rho), parseFraction(budget.total_rho)) > 0) {
      throw rhoError('reports.releases.error.budget');
    }
    // σ² = Δ₂² / (2ρ)
    const sigma2 = fraction(RELEASE_SENSITIVITY_SQUARED * rho.d, 2n * rho.n);
    const tables = await noisyTables(ctx, trx, period, sigma2, random);
    const id = randomUUID();
    const body = JSON.stringify(tables);
    await insertRelease(trx, {
      id,
      dataset: RELEASE_DATASET,
      query_key: queryKey,
      rho: formatFraction(rho),
      sigma2: formatFraction(sigma2),
      period_from: period.from,
      period_to: period.to,
      body,
      created_by: actorLabel(actor),
    });
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'reports.release',
      target: `release:${id}`,
      reason: `${RELEASE_DATASET} ${period.from}..${period.to} rho ${formatFraction(rho)}`,
    });
    const row = await findRelease(trx, RELEASE_DATASET, queryKey);
    return { release: presentRelease(row as NonNullable<typeof row>), fresh: true };
  });
}

/** The budget and every release, newest first (who may make releases may see them). */
export async function listReleases(
  ctx: AppContext,
  actor: Actor,
): Promise<{ budget: BudgetView; releases: Release[] }> {
  requireAllowed(canPublishStatistics(actor), 'reports.releases');
  const db = ctx.database.db;
  const budget = await findBudget(db, RELEASE_DATASET);
  const rows = await listReleaseRows(db, RELEASE_DATASET);
  const spent = rows.reduce((a, r) => addFractions(a, parseFraction(r.rho)), fraction(0n, 1n));
  return {
    budget: { dataset: RELEASE_DATASET, total: budget?.total_rho ?? '0/1', spent: formatFraction(spent) },
    releases: rows.map(presentRelease),
  };
}

/** One release by id (404 when there is none). */
export async function getRelease(ctx: AppContext, actor: Actor, id: string): Promise<Release> {
  const { releases } = await listReleases(ctx, actor);
  const release = releases.find((r) => r.id === id);
  if (release === undefined) throw new AppError('not_found', 'no such release');
  return release;
}

/** Δ₂² of a stored release: the total and one cell in each of its tables. */
function sensitivityOf(tables: ReleaseTables): number {
  return Object.keys(tables).length;
}

type ReleaseRow = NonNullable<Awaited<ReturnType<typeof findRelease>>>;

function presentRelease(row: ReleaseRow): Release {
  const tables = JSON.parse(row.body) as ReleaseTables;
  return {
    id: row.id,
    dataset: row.dataset,
    period: { from: row.period_from, to: row.period_to },
    mechanism: 'discrete_gaussian',
    rho: row.rho,
    sigma2: row.sigma2,
    sensitivitySquared: sensitivityOf(tables),
    createdAt: new Date(row.created_at).toISOString(),
    tables,
  };
}

/** The months of a quarter, "YYYY-MM". */
function monthsOf(period: { from: string; to: string }): string[] {
  const first = Number(period.from.slice(5, 7));
  return [0, 1, 2].map((i) => `${period.from.slice(0, 4)}-${String(first + i).padStart(2, '0')}`);
}

async function noisyTables(
  ctx: AppContext,
  db: Db,
  period: { from: string; to: string },
  sigma2: Fraction,
  random: RandomSource,
): Promise<ReleaseTables> {
  const range = { from: period.from, to: dayAfter(period.to) };
  // Categories are fixed lists, never taken from the data (an empty category is still released).
  const [months, types, outcomes, regions] = await Promise.all([
    countCasesOpened(db, range, 'month'),
    countCasesOpened(db, range, 'applicant_type'),
    countCasesOpened(db, range, 'outcome'),
    countByRegion(ctx, db, range),
  ]);
  const trueCounts = (rows: Array<{ key: string; count: number }>, keys: readonly string[]) =>
    keys.map((k) => BigInt(rows.filter((r) => r.key === k).reduce((a, r) => a + r.count, 0)));
  const noise = (values: bigint[]) => values.map((v) => v + discreteGaussian(random, sigma2));
  const monthKeys = monthsOf(period);
  const trueMonths = trueCounts(months, monthKeys);
  const total = trueMonths.reduce((a, b) => a + b, 0n);
  const noisyTotal = noise([total])[0] as bigint;
  const published = noisyTotal < 0n ? 0n : noisyTotal;
  const table = (keys: readonly string[], values: bigint[]) => {
    const fitted = fitToTotal(noise(values), published);
    return Object.fromEntries(keys.map((k, i) => [k, Number(fitted[i])]));
  };
  return {
    total: Number(published),
    month: table(monthKeys, trueMonths),
    applicant_type: table(CASE_APPLICANT_TYPES, trueCounts(types, CASE_APPLICANT_TYPES)),
    outcome: table(OUTCOMES, trueCounts(outcomes, OUTCOMES)),
    destination_region: table(DESTINATION_REGIONS, trueCounts(regions, DESTINATION_REGIONS)),
  };
}

/**
 * Cases opened in the ISO weeks that begin in [from, to), by the region of their chosen
 * pathway; `none` is the rest of those weeks' cases (never below zero).
 */
export async function countByRegion(
  ctx: AppContext,
  db: Db,
  range: { from: string; to: string },
): Promise<Array<{ key: string; count: number }>> {
  const weeks = { from: nextMonday(range.from), to: nextMonday(range.to) };
  const [destinations, opened] = await Promise.all([
    countPathwayDestinations(ctx, db, weeks),
    countCasesOpened(db, weeks, 'applicant_type'),
  ]);
  const rows = destinations.map((d) => ({ key: regionOf(d.key.split(' · ')[0] ?? ''), count: d.count }));
  const all = opened.reduce((a, r) => a + r.count, 0);
  const placed = rows.reduce((a, r) => a + r.count, 0);
  rows.push({ key: 'none', count: Math.max(0, all - placed) });
  return rows;
}

/** The first Monday on or after a day, "YYYY-MM-DD". */
function nextMonday(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
  return d.toISOString().slice(0, 10);
}

/**
 * Non-negative integers that add up to `total`, as close in proportion to the (clipped) noisy
 * values as whole numbers allow: floor of each share, then one more to the largest remainders
 * (ties to the first). All-zero input spreads the total evenly. Pure post-processing.
 */
export function fitToTotal(noisy: readonly bigint[], total: bigint): bigint[] {
  const clipped = noisy.map((v) => (v < 0n ? 0n : v));
  const sum = clipped.reduce((a, b) => a + b, 0n);
  const k = BigInt(clipped.length);
  if (k === 0n) return [];
  const shares =
    sum === 0n
      ? clipped.map(() => ({ q: total / k, r: 0n }))
      : clipped.map((v) => ({ q: (v * total) / sum, r: (v * total) % sum }));
  let left = total - shares.reduce((a, s) => a + s.q, 0n);
  const order = shares
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  const out = shares.map((s) => s.q);
  for (const s of order) {
    if (left === 0n) break;
    out[s.i] = (out[s.i] as bigint) + 1n;
    left -= 1n;
  }
  return out;
}
