import type { Locale } from '../../platform/i18n/index.ts';
import { ledgerPaymentsMessages as payments } from './ledger.payments.messages.ts';
import { ledgerFinanceMessages as m } from './ledger.finance.messages.ts';

/** The links to the finance pages (reconciliation, exports, donor report) in the ledger's sub-navigation. */
export function FinanceLinks(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <>
      <li>
        <a href={`/staff/ledger/reconciliation?lang=${l}`}>{m(l, 'ledger.finance.reconciliation')}</a>
      </li>
      <li>
        <a href={`/staff/ledger/exports?lang=${l}`}>{m(l, 'ledger.finance.exports')}</a>
      </li>
      <li>
        <a href={`/staff/ledger/donor-report?lang=${l}`}>{m(l, 'ledger.finance.donor_report')}</a>
      </li>
      <li>
        <a href={`/staff/ledger/payments?lang=${l}`}>{payments(l, 'ledger.payments.link')}</a>
      </li>
    </>
  );
}
