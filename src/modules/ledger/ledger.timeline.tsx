import type { Db } from '../../db/database.ts';
import { type ExtensionTimelineBase, registerTimelineSource, type TimelineSource } from '../cases/index.ts';
import { disbursementMessages as m } from './ledger.disbursements.messages.ts';
import { listCaseDisbursementsForTimeline } from './ledger.disbursements.repository.ts';
import { formatAmount } from './ledger.views.tsx';

/**
 * A case's payments on its timeline (issue 15 item 9), registered with the case core (which
 * never imports this module): each disbursement request or reward claim where it was made, with
 * its amount, purpose and where it stands now, linked to its page. Nothing encrypted is read:
 * payment details and reward descriptions stay on the disbursement's own page.
 */
type Row = Awaited<ReturnType<typeof listCaseDisbursementsForTimeline>>[number];

export interface PaymentTimelineView {
  id: string;
  reward: boolean;
  amount: number;
  currency: string;
  minorUnits: number;
  purpose: Row['purpose'];
  status: 'pending' | 'posted' | 'voided' | 'expired' | 'denied';
}

declare module '../cases/case-extensions.ts' {
  interface TimelineExtensions {
    /** A disbursement request or reward claim on the case timeline. */
    payments: ExtensionTimelineBase & { kind: 'payments'; payment: PaymentTimelineView };
  }
}

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const paymentsTimeline: TimelineSource<Row> = {
  name: 'payments',
  load: (db: Db, caseId: string) => listCaseDisbursementsForTimeline(db, caseId),
  staffIds: (rows) => rows.map((r) => r.requested_by),
  items: (_key, rows, label, caseRef) =>
    rows.map((r) => ({
      kind: 'payments',
      seq: Number(r.seq),
      at: r.requested_at,
      by: label(r.requested_by),
      caseRef,
      payment: {
        id: r.id,
        reward: r.kind === 'reward',
        amount: Number(r.amount),
        currency: r.currency,
        minorUnits: r.minor_units,
        purpose: r.purpose,
        status: r.denied_at !== null ? 'denied' : r.status,
      },
    })),
  render: (locale, item) => {
    if (item.kind !== 'payments') return null;
    const p = item.payment;
    return (
      <li class="payment-step" data-disbursement={p.id}>
        <p>
          <strong>{m(locale, p.reward ? 'disb.timeline.reward' : 'disb.timeline.request')}</strong>:{' '}
          {formatAmount(locale, p.amount, p.currency, p.minorUnits)}, {m(locale, `disb.purpose.${p.purpose}`)}{' '}
          · {m(locale, `disb.status.${p.status}`)} · {item.by ?? '—'} · <time>{minute(item.at)}</time> ·{' '}
          <a href={`/staff/disbursements/${p.id}?lang=${locale}`}>{m(locale, 'disb.timeline.open')}</a>
        </p>
      </li>
    );
  },
};

// Registered when this module loads (the ledger's routes import it).
registerTimelineSource(paymentsTimeline);
