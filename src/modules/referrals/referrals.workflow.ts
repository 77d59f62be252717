import type { ReferralState } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';

/**
 * The referral's states and the only transitions between them (issue 14):
 *
 *   draft → consent_recorded → sent → accepted | declined;  accepted → in_progress → completed
 *   any open state → withdrawn (by staff);  sent → expired (no answer in time)
 *
 * Who may take each one is the service's business; that it exists is this table's. A referral
 * that is `paused` (its partner flagged) takes none but `withdrawn` until it is resumed.
 */
export const TRANSITIONS: Readonly<Record<ReferralState, readonly ReferralState[]>> = {
  draft: ['consent_recorded', 'withdrawn'],
  consent_recorded: ['sent', 'withdrawn'],
  sent: ['accepted', 'declined', 'withdrawn', 'expired'],
  accepted: ['in_progress', 'withdrawn'],
  in_progress: ['completed', 'withdrawn'],
  declined: [],
  completed: [],
  withdrawn: [],
  expired: [],
};

export const OPEN_STATES: readonly ReferralState[] = [
  'draft',
  'consent_recorded',
  'sent',
  'accepted',
  'in_progress',
];

/** States in which the partner may see the referral's packet. */
export const PARTNER_VISIBLE: ReadonlySet<ReferralState> = new Set(['sent', 'accepted', 'in_progress']);

export function canTransition(from: ReferralState, to: ReferralState, paused = false): boolean {
  if (paused && to !== 'withdrawn') return false;
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 "conflict" for a transition the table does not have. */
export function assertTransition(from: ReferralState, to: ReferralState, paused = false): void {
  if (!canTransition(from, to, paused))
    throw new AppError('conflict', `referral cannot go from ${from} to ${to}`);
}
