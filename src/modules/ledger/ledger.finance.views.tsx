import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  type FieldErrors,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import type { DonorReport } from './ledger.donor-report.ts';
import { ledgerFinanceMessages as m } from './ledger.finance.messages.ts';
import { DATE_FORMATS, type StatementMapping } from './ledger.finance.schemas.ts';
import { ledgerMessages } from './ledger.messages.ts';
import {
  MATCH_WINDOW_DAYS,
  type Reconciliation,
  type ReconciliationLine,
  type ReconciliationTransfer,
} from './ledger.reconcile.ts';
import { formatAmount, LedgerSubnav as Subnav } from './ledger.views.tsx';

/** The finance pages (reconciliation, exports, donor report); texts in ledger.finance.messages.ts. */

/** A field error of these pages, translated here (with the statement's line number). */
export function translateWith(errors: FieldErrors) {
  return (locale: Locale, key: string) =>
    key.startsWith('ledger.statement.')
      ? m(locale, key as Parameters<typeof m>[1], { line: errors?.line ?? '?' })
      : t(locale, key as MessageKey);
}

export function ReconciliationIndexView(props: {
  frame: StaffFrame;
  holdings: { id: string; code: string; currency: string }[];
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.reconcile.title')}
      path="/staff/ledger/reconciliation"
      subnav={<Subnav locale={l} />}
    >
      <h1>{m(l, 'ledger.reconcile.title')}</h1>
      <p>{m(l, 'ledger.reconcile.intro', { days: MATCH_WINDOW_DAYS })}</p>
      {props.holdings.length === 0 ? (
        <p>{m(l, 'ledger.reconcile.no_holdings')}</p>
      ) : (
        <>
          <p>{m(l, 'ledger.reconcile.choose')}</p>
          <ul>
            {props.holdings.map((h) => (
              <li key={h.id}>
                <a href={`/staff/ledger/reconciliation/${h.id}?lang=${l}`}>
                  {h.code} ({h.currency})
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </StaffPage>
  );
}

export function ReconciliationView(props: {
  frame: StaffFrame;
  csrf: string;
  reconciliation: Reconciliation;
  minorUnits: Record<string, number>;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const r = props.reconciliation;
  const base = `/staff/ledger/reconciliation/${r.holding.id}`;
  const money = (amount: number, currency: string) =>
    formatAmount(l, amount, currency, props.minorUnits[currency] ?? 2);
  const field = { locale: l, errors: props.errors, translate: translateWith(props.errors) };
  const mapping: Partial<StatementMapping> = r.mapping ?? {};
  const lineColumns = [
    {
      key: 'line',
      header: m(l, 'ledger.reconcile.col.line'),
      cell: (x: ReconciliationLine) => String(x.lineNo),
    },
    { key: 'date', header: m(l, 'ledger.reconcile.col.date'), cell: (x: ReconciliationLine) => x.bookedOn },
    {
      key: 'amount',
      header: ledgerMessages(l, 'ledger.col.amount'),
      cell: (x: ReconciliationLine) => money(x.amount, x.currency),
    },
    {
      key: 'reference',
      header: m(l, 'ledger.reconcile.col.reference'),
      cell: (x: ReconciliationLine) => x.reference,
    },
    {
      key: 'counterparty',
      header: m(l, 'ledger.reconcile.col.counterparty'),
      cell: (x: ReconciliationLine) => x.counterparty,
    },
  ];
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.reconcile.holding_title', { code: r.holding.code })}
      path="/staff/ledger/reconciliation"
      subnav={<Subnav locale={l} />}
    >
      <h1>{m(l, 'ledger.reconcile.holding_title', { code: r.holding.code })}</h1>
      <p>{m(l, 'ledger.reconcile.intro', { days: MATCH_WINDOW_DAYS })}</p>

      <h2>{m(l, 'ledger.reconcile.unmatched_lines')}</h2>
      <DataTable<ReconciliationLine>
        rows={r.unmatchedLines}
        rowKey={(x) => x.id}
        empty={m(l, 'ledger.reconcile.none')}
        rowAttributes={(x) => ({ 'data-line': String(x.lineNo) })}
        columns={[
          ...lineColumns,
          {
            key: 'held',
            header: m(l, 'ledger.reconcile.col.how'),
            cell: (x) => (x.held ? m(l, 'ledger.reconcile.held') : ''),
          },
        ]}
      />

      <h2>{m(l, 'ledger.reconcile.unmatched_transfers')}</h2>
      <DataTable<ReconciliationTransfer>
        rows={r.unmatchedTransfers}
        rowKey={(x) => x.id}
        empty={m(l, 'ledger.reconcile.none')}
        rowAttributes={(x) => ({ 'data-transfer': x.id })}
        columns={[
          { key: 'id', header: m(l, 'ledger.reconcile.col.transfer'), cell: (x) => x.id, rowHeader: true },
          { key: 'date', header: m(l, 'ledger.reconcile.col.date'), cell: (x) => x.postedAt.slice(0, 10) },
          {
            key: 'kind',
            header: ledgerMessages(l, 'ledger.col.kind'),
            cell: (x) => ledgerMessages(l, `ledger.transfer.${x.kind}`),
          },
          {
            key: 'amount',
            header: ledgerMessages(l, 'ledger.col.amount'),
            cell: (x) => money(x.amount, x.currency),
          },
        ]}
      />

      {r.unmatchedLines.length > 0 && r.unmatchedTransfers.length > 0 ? (
        <form method="post" action={`${base}/match?lang=${l}`} class="stack">
          <h2>{m(l, 'ledger.reconcile.match')}</h2>
          <CsrfField token={props.csrf} />
          <Field {...field} name="lineId" label={m(l, 'ledger.reconcile.match_line')}>
            {(a) => (
              <select {...a} required>
                {r.unmatchedLines.map((x) => (
                  <option key={x.id} value={x.id}>
                    {`${x.lineNo} · ${x.bookedOn} · ${money(x.amount, x.currency)}`}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field {...field} name="transferId" label={m(l, 'ledger.reconcile.match_transfer')}>
            {(a) => (
              <select {...a} required>
                {r.unmatchedTransfers.map((x) => (
                  <option key={x.id} value={x.id}>
                    {`${x.postedAt.slice(0, 10)} · ${money(x.amount, x.currency)} · ${x.id.slice(0, 8)}`}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit">{m(l, 'ledger.reconcile.match_button')}</button>
        </form>
      ) : null}

      <h2>{m(l, 'ledger.reconcile.matched_lines')}</h2>
      <DataTable<ReconciliationLine>
        rows={r.matchedLines}
        rowKey={(x) => x.id}
        empty={m(l, 'ledger.reconcile.none')}
        columns={[
          ...lineColumns,
          {
            key: 'transfer',
            header: m(l, 'ledger.reconcile.col.transfer'),
            cell: (x) => x.transferId?.slice(0, 8) ?? '',
          },
          {
            key: 'how',
            header: m(l, 'ledger.reconcile.col.how'),
            cell: (x) => (
              <form method="post" action={`${base}/unmatch?lang=${l}`}>
                {x.matchKind === null ? '' : `${m(l, `ledger.reconcile.how.${x.matchKind}`)} `}
                <CsrfField token={props.csrf} />
                <input type="hidden" name="lineId" value={x.id} />
                <button type="submit">{m(l, 'ledger.reconcile.unmatch_button')}</button>
              </form>
            ),
          },
        ]}
      />

      <h2>{m(l, 'ledger.reconcile.import')}</h2>
      {r.mapping === undefined ? (
        <p>{m(l, 'ledger.reconcile.need_mapping')}</p>
      ) : (
        <form
          method="post"
          action={`${base}/statements?lang=${l}`}
          enctype="multipart/form-data"
          class="stack"
        >
          {/* The CSRF field comes first: the server checks it before reading the file. */}
          <CsrfField token={props.csrf} />
          <Field {...field} name="file" label={m(l, 'ledger.reconcile.file')}>
            {(a) => <input {...a} type="file" accept=".csv,.txt,text/csv" required />}
          </Field>
          <button type="submit">{m(l, 'ledger.reconcile.import_button')}</button>
        </form>
      )}

      <h2>{m(l, 'ledger.reconcile.mapping')}</h2>
      <form method="post" action={`${base}/mapping?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <p class="hint">{m(l, 'ledger.reconcile.mapping_hint')}</p>
        <Field {...field} name="delimiter" label={m(l, 'ledger.reconcile.delimiter')}>
          {(a) => (
            <select {...a}>
              {([',', ';', 'tab'] as const).map((d) => (
                <option key={d} value={d} selected={mapping.delimiter === d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        {(
          [
            ['dateColumn', 'ledger.reconcile.date_column', true],
            ['amountColumn', 'ledger.reconcile.amount_column', true],
            ['currencyColumn', 'ledger.reconcile.currency_column', false],
            ['referenceColumn', 'ledger.reconcile.reference_column', false],
            ['counterpartyColumn', 'ledger.reconcile.counterparty_column', false],
          ] as const
        ).map(([name, label, required]) => (
          <Field key={name} {...field} name={name} label={m(l, label)}>
            {(a) => <input {...a} value={mapping[name] ?? ''} maxlength={80} required={required} />}
          </Field>
        ))}
        <Field {...field} name="dateFormat" label={m(l, 'ledger.reconcile.date_format')}>
          {(a) => (
            <select {...a}>
              {DATE_FORMATS.map((f) => (
                <option key={f} value={f} selected={mapping.dateFormat === f}>
                  {f}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field {...field} name="decimalSeparator" label={m(l, 'ledger.reconcile.decimal_separator')}>
          {(a) => (
            <select {...a}>
              {(['.', ','] as const).map((d) => (
                <option key={d} value={d} selected={mapping.decimalSeparator === d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit">{m(l, 'ledger.reconcile.save_mapping')}</button>
      </form>
    </StaffPage>
  );
}

export function ExportsView(props: { frame: StaffFrame }) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.exports.title')}
      path="/staff/ledger/exports"
      subnav={<Subnav locale={l} />}
    >
      <h1>{m(l, 'ledger.exports.title')}</h1>
      <p>{m(l, 'ledger.exports.intro')}</p>
      <ul>
        <li>
          <a href={`/staff/ledger/exports/transfers.csv?lang=${l}`} download>
            {m(l, 'ledger.exports.transfers')}
          </a>
        </li>
        <li>
          <a href={`/staff/ledger/exports/balances.csv?lang=${l}`} download>
            {m(l, 'ledger.exports.balances')}
          </a>
        </li>
      </ul>
    </StaffPage>
  );
}

export function DonorReportView(props: {
  frame: StaffFrame;
  fundingSources: { id: string; code: string; label: string }[];
  report: DonorReport | undefined;
  threshold: number;
}) {
  const l = props.frame.locale;
  const report = props.report;
  const money = (v: number | null) =>
    v === null ? (
      <abbr title={m(l, 'ledger.donor.hidden')}>—</abbr>
    ) : (
      formatAmount(l, v, report!.funding.currency, report!.minorUnits)
    );
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.donor.title')}
      path="/staff/ledger/donor-report"
      subnav={<Subnav locale={l} />}
    >
      <h1>{m(l, 'ledger.donor.title')}</h1>
      <p>{m(l, 'ledger.donor.intro', { k: props.threshold })}</p>
      <form method="get" action="/staff/ledger/donor-report" class="stack">
        <input type="hidden" name="lang" value={l} />
        <Field locale={l} name="funding" label={m(l, 'ledger.donor.choose')}>
          {(a) => (
            <select {...a} required>
              {props.fundingSources.map((f) => (
                <option key={f.id} value={f.id} selected={report?.funding.id === f.id}>
                  {`${f.code} — ${f.label}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit">{m(l, 'ledger.donor.show')}</button>
      </form>
      {report === undefined ? null : report.months.length === 0 ? (
        <p>{m(l, 'ledger.donor.empty')}</p>
      ) : (
        report.months.map((month) => (
          <section key={month.month} data-month={month.month}>
            <h2>{m(l, 'ledger.donor.month', { month: month.month })}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">{m(l, 'ledger.donor.purpose')}</th>
                  {month.countries.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                  <th scope="col">{m(l, 'ledger.donor.total')}</th>
                </tr>
              </thead>
              <tbody>
                {month.purposes.map((p, i) => (
                  <tr key={p}>
                    <th scope="row">{p}</th>
                    {month.cells[i]!.map((v, j) => (
                      <td key={month.countries[j]}>{money(v)}</td>
                    ))}
                    <td>{money(month.purposeTotals[i]!)}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">{m(l, 'ledger.donor.total')}</th>
                  {month.countryTotals.map((v, j) => (
                    <td key={month.countries[j]}>{money(v)}</td>
                  ))}
                  <td>{money(month.total)}</td>
                </tr>
              </tbody>
            </table>
          </section>
        ))
      )}
    </StaffPage>
  );
}
