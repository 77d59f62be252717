import type { LedgerAccountKind } from '../../db/types.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { DataTable, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { ledgerBookkeepingMessages as book } from './ledger.bookkeeping.messages.ts';
import { FinanceLinks } from './ledger.finance.nav.tsx';
import { ledgerMessages as m } from './ledger.messages.ts';
import type { LedgerAccount, LedgerOverview, LedgerTransferLine } from './ledger.service.ts';

const KINDS: readonly LedgerAccountKind[] = [
  'funding',
  'budget',
  'holding',
  'recipient',
  'channel',
  'equity',
];

/**
 * An amount in minor units, shown in the locale's format with its currency, exactly: the
 * decimal string is built with integer arithmetic and formatted as a string (no float).
 */
export function formatAmount(locale: Locale, amount: number, currency: string, minorUnits: number): string {
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(minorUnits + 1, '0');
  const decimal =
    minorUnits === 0 ? digits : `${digits.slice(0, digits.length - minorUnits)}.${digits.slice(-minorUnits)}`;
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: minorUnits,
    maximumFractionDigits: minorUnits,
  }) as Intl.NumberFormat & { format(value: string): string };
  return format.format(`${negative ? '-' : ''}${decimal}`);
}

export function LedgerSubnav(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <nav aria-label={m(l, 'ledger.nav')} class="workspace">
      <ul class="inline-list">
        <li>
          <a href={`/staff/ledger?lang=${l}`}>{m(l, 'ledger.accounts.title')}</a>
        </li>
        <li>
          <a href={`/staff/ledger/transfers?lang=${l}`}>{m(l, 'ledger.transfers.link')}</a>
        </li>
        <li>
          <a href={`/staff/ledger/bookkeeping?lang=${l}`}>{book(l, 'ledger.book.link')}</a>
        </li>
        <FinanceLinks locale={l} />
      </ul>
    </nav>
  );
}

export function AccountsPageView(props: { frame: StaffFrame; overview: LedgerOverview }) {
  const l = props.frame.locale;
  const money = (a: LedgerAccount, amount: number) =>
    formatAmount(l, amount, a.currency, props.overview.minorUnits[a.currency] ?? 2);
  const groups = KINDS.map((kind) => ({
    kind,
    accounts: props.overview.accounts.filter((a) => a.kind === kind),
  })).filter((g) => g.accounts.length > 0);
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.accounts.title')}
      path="/staff/ledger"
      subnav={<LedgerSubnav locale={l} />}
    >
      <h1>{m(l, 'ledger.accounts.title')}</h1>
      <p>{m(l, 'ledger.accounts.intro')}</p>
      {groups.length === 0 ? <p>{m(l, 'ledger.accounts.empty')}</p> : null}
      {groups.map((g) => (
        <section key={g.kind}>
          <h2>{m(l, `ledger.kind.${g.kind}`)}</h2>
          <DataTable<LedgerAccount>
            rows={g.accounts}
            rowKey={(a) => a.id}
            empty={m(l, 'ledger.accounts.empty')}
            rowAttributes={(a) => ({ 'data-account': a.code })}
            columns={[
              { key: 'code', header: m(l, 'ledger.col.code'), cell: (a) => a.code, rowHeader: true },
              { key: 'label', header: m(l, 'ledger.col.label'), cell: (a) => a.label },
              { key: 'balance', header: m(l, 'ledger.col.balance'), cell: (a) => money(a, a.balance) },
              {
                key: 'pending',
                header: m(l, 'ledger.col.pending'),
                cell: (a) => money(a, a.kind === 'holding' ? a.creditsPending : a.debitsPending),
              },
              { key: 'available', header: m(l, 'ledger.col.available'), cell: (a) => money(a, a.available) },
            ]}
          />
        </section>
      ))}
      <p>{m(l, 'ledger.verify.hint')}</p>
    </StaffPage>
  );
}

export function TransfersPageView(props: {
  frame: StaffFrame;
  transfers: LedgerTransferLine[];
  minorUnits: Record<string, number>;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.transfers.title')}
      path="/staff/ledger/transfers"
      subnav={<LedgerSubnav locale={l} />}
    >
      <h1>{m(l, 'ledger.transfers.title')}</h1>
      <DataTable<LedgerTransferLine>
        rows={props.transfers}
        rowKey={(x) => x.id}
        empty={m(l, 'ledger.transfers.empty')}
        columns={[
          {
            key: 'when',
            header: m(l, 'ledger.col.when'),
            cell: (x) => x.createdAt.slice(0, 16).replace('T', ' '),
          },
          { key: 'kind', header: m(l, 'ledger.col.kind'), cell: (x) => m(l, `ledger.transfer.${x.kind}`) },
          { key: 'from', header: m(l, 'ledger.col.from'), cell: (x) => x.debitCode },
          { key: 'to', header: m(l, 'ledger.col.to'), cell: (x) => x.creditCode },
          {
            key: 'amount',
            header: m(l, 'ledger.col.amount'),
            cell: (x) => formatAmount(l, x.amount, x.currency, props.minorUnits[x.currency] ?? 2),
          },
          {
            key: 'status',
            header: m(l, 'ledger.col.status'),
            cell: (x) => m(l, `ledger.status.${x.status}`),
          },
        ]}
      />
    </StaffPage>
  );
}
