import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { Db } from '../../db/database.ts';
import { recordAudit } from '../audit/index.ts';
import { findCaseById } from '../case-access/index.ts';
import { touchCase } from '../cases/index.ts';
import { insertReferralEvent, listOpenPartnerReferrals, updateReferral } from './referrals.repository.ts';
import { OPEN_STATES } from './referrals.workflow.ts';

/** Pauses the partner's open referrals (its vetting was withdrawn): it sees none of them until resumed. */
export async function pausePartnerReferrals(trx: Db, partnerId: string, actor: Actor): Promise<number> {
  const rows = (await listOpenPartnerReferrals(trx, partnerId, OPEN_STATES)).filter((r) => !r.paused);
  for (const row of rows) {
    await updateReferral(trx, row.id, { paused: true });
    await insertReferralEvent(trx, {
      id: randomUUID(),
      referral_id: row.id,
      case_id: row.case_id,
      event: 'paused',
      by_staff: actor.kind === 'staff' ? actor.id : null,
    });
    await touchCase(trx, row.case_id);
    const c = await findCaseById(trx, row.case_id);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.pause',
      target: `case:${c?.ref ?? row.case_id}`,
      reason: `referral:${row.id}`,
    });
  }
  return rows.length;
}

export async function resumePartnerReferrals(trx: Db, partnerId: string, actor: Actor): Promise<number> {
  const rows = (await listOpenPartnerReferrals(trx, partnerId, OPEN_STATES)).filter((r) => r.paused);
  for (const row of rows) {
    await updateReferral(trx, row.id, { paused: false });
    await insertReferralEvent(trx, {
      id: randomUUID(),
      referral_id: row.id,
      case_id: row.case_id,
      event: 'resumed',
      by_staff: actor.kind === 'staff' ? actor.id : null,
    });
    const c = await findCaseById(trx, row.case_id);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.resume',
      target: `case:${c?.ref ?? row.case_id}`,
      reason: `referral:${row.id}`,
    });
  }
  return rows.length;
}
