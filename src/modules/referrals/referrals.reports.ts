import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { recordAudit } from '../audit/index.ts';
import { today } from '../cases/index.ts';
import { type PartnerSummary, summarisePartners } from './partners.service.ts';
import { canSeeReferralReports } from './referrals.policy.ts';
import {
  countPartnersByStatus,
  countReferralsBy,
  findPartner,
  listOpenReferralAges,
  listPartnersNearCapacity,
} from './referrals.repository.ts';
import { addDays } from './referrals.service.ts';
import { OPEN_STATES } from './referrals.workflow.ts';

/**
 * The coordinators' reports (issue 14): referrals by state, country, partner and age; partners
 * near capacity; referrals unanswered past their day. Counts over clear columns; partner names
 * are decrypted for the partner rows only (coordinators may use the directory anyway).
 */
export const NEAR_CAPACITY_PLACES = 1;
export const NEAR_CAPACITY_DAYS = 14;

export interface ReferralReports {
  byState: Array<{ key: string; n: number }>;
  byCountry: Array<{ key: string; n: number }>;
  byPartner: Array<{ partner: PartnerSummary | undefined; partnerId: string; n: number }>;
  byAge: Array<{ key: 'week' | 'month' | 'older'; n: number }>;
  partners: Array<{ key: string; n: number }>;
  nearCapacity: PartnerSummary[];
  unanswered: number;
}

const sum = <K extends string>(rows: ReadonlyArray<{ key: K; n: number }>) => {
  const m = new Map<K, number>();
  for (const r of rows) m.set(r.key, (m.get(r.key) ?? 0) + r.n);
  return [...m].map(([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
};

export async function getReferralReports(
  ctx: AppContext,
  actor: Actor,
  now = new Date(),
): Promise<ReferralReports> {
  requireAllowed(canSeeReferralReports(actor), 'referral reports');
  const db = ctx.database.db;
  const counts = await countReferralsBy(db);
  const byState = sum(counts.map((c) => ({ key: c.paused ? 'paused' : c.state, n: c.n })));
  const byCountry = sum(counts.map((c) => ({ key: c.country, n: c.n })));
  const partnerTotals = sum(counts.map((c) => ({ key: c.partnerId, n: c.n }))).slice(0, 50);
  const partnerRows = (await Promise.all(partnerTotals.map((p) => findPartner(db, p.key)))).filter(
    (p) => p !== undefined,
  );
  const summaries = new Map((await summarisePartners(ctx, db, partnerRows)).map((p) => [p.id, p]));
  const day = today(now);
  const ages = await listOpenReferralAges(db, OPEN_STATES);
  const ageOf = (created: Date): 'week' | 'month' | 'older' => {
    const days = (now.getTime() - created.getTime()) / 86_400_000;
    return days < 7 ? 'week' : days < 28 ? 'month' : 'older';
  };
  const byAge = (['week', 'month', 'older'] as const).map((key) => ({
    key,
    n: ages.filter((a) => ageOf(a.created) === key).length,
  }));
  const unanswered = ages.filter(
    (a) => a.state === 'sent' && a.respondBy !== null && a.respondBy < day,
  ).length;
  const near = await listPartnersNearCapacity(db, NEAR_CAPACITY_PLACES, addDays(day, NEAR_CAPACITY_DAYS));
  await recordAudit(db, { actor: actorLabel(actor), action: 'referral.reports', target: 'referrals' });
  return {
    byState,
    byCountry,
    byPartner: partnerTotals.map((p) => ({ partner: summaries.get(p.key), partnerId: p.key, n: p.n })),
    byAge,
    partners: (await countPartnersByStatus(db)).map((r) => ({ key: r.status, n: r.n })),
    nearCapacity: await summarisePartners(ctx, db, near),
    unanswered,
  };
}
