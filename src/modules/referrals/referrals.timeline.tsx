import { type DataKey, decryptFieldText } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  type ExtensionTimelineBase,
  registerCasePageLink,
  registerTimelineSource,
  type TimelineSource,
} from '../cases/index.ts';
import { isReferralsMessageKey, referralsMessages as m } from './referrals.messages.ts';
import { listCaseReferralEvents, type ReferralEventRow } from './referrals.repository.ts';

/**
 * Each step of a case's referrals on the case timeline, registered with the case core (which
 * never imports this module). The note of a step (a reason, an outcome, a message) is encrypted
 * with the case key (AAD referral_events|note|id) and decrypted with the key the case page has
 * already opened.
 */
export interface ReferralTimelineView {
  referralId: string;
  event: string;
  byPartner: boolean;
  note: string | null;
}

declare module '../cases/case-extensions.ts' {
  interface TimelineExtensions {
    /** A step of a referral on the case timeline. */
    referrals: ExtensionTimelineBase & { kind: 'referrals'; step: ReferralTimelineView };
  }
}

function decryptNote(key: DataKey, row: ReferralEventRow): string | null {
  if (row.note_enc === null) return null;
  return decryptFieldText(key, toBuffer(row.note_enc), {
    table: 'referral_events',
    column: 'note',
    rowId: row.id,
  });
}

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const referralsTimeline: TimelineSource<ReferralEventRow> = {
  name: 'referrals',
  load: (db: Db, caseId: string) => listCaseReferralEvents(db, caseId),
  staffIds: (rows) => rows.map((r) => r.by_staff),
  items: (key, rows, label, caseRef) =>
    rows.map((r) => ({
      kind: 'referrals',
      seq: Number(r.seq),
      at: r.at,
      by: label(r.by_staff),
      caseRef,
      step: { referralId: r.referral_id, event: r.event, byPartner: r.by_partner, note: decryptNote(key, r) },
    })),
  render: (locale, item) => {
    if (item.kind !== 'referrals') return null;
    const key = `referrals.event.${item.step.event}`;
    const who = item.step.byPartner ? m(locale, 'referrals.from.partner') : (item.by ?? '—');
    return (
      <li class="referral-step">
        <p>
          <strong>{isReferralsMessageKey(key) ? m(locale, key) : item.step.event}</strong> · {who} ·{' '}
          <time>{minute(item.at)}</time> ·{' '}
          <a href={`/staff/referrals/cases/${item.caseRef}?lang=${locale}#referral-${item.step.referralId}`}>
            {m(locale, 'referrals.case.link')}
          </a>
        </p>
        {item.step.note === null ? null : <p class="note">{item.step.note}</p>}
      </li>
    );
  },
};

function referralsLink(locale: Locale, caseBase: string) {
  const ref = caseBase.split('/').pop() ?? '';
  return (
    <>
      {' · '}
      <a href={`/staff/referrals/cases/${ref}?lang=${locale}`}>{m(locale, 'referrals.case.link')}</a>
    </>
  );
}

// Registered when this module loads (the app mounts its routes; its services import this file).
registerTimelineSource(referralsTimeline);
registerCasePageLink(referralsLink);
