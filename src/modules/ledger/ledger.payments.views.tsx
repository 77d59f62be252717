import { randomUUID } from 'node:crypto';
import { ERROR_CODES } from '../../platform/errors.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import { CsrfField, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { ItemOutcome } from './ledger.multi.ts';
import type { PaymentsOut } from './ledger.payments.ts';
import { ledgerPaymentsMessages as m } from './ledger.payments.messages.ts';
import { formatAmount, LedgerSubnav } from './ledger.views.tsx';

/** Each row's amount as typed in the page's form: the balance, in major units. */
function majorUnits(amount: number, minorUnits: number): string {
  const digits = String(amount).padStart(minorUnits + 1, '0');
  return minorUnits === 0 ? digits : `${digits.slice(0, -minorUnits)}.${digits.slice(-minorUnits)}`;
}

/**
 * The payments-out page: one form, a row per recipient account with money to pay out. Each row
 * gets a fresh payment id when the page is drawn, so a repeated submission is answered, not
 * recorded twice. After a partly refused submission, the refused rows are listed above it.
 */
export function PaymentsOutView(props: {
  frame: StaffFrame;
  csrf: string;
  payments: PaymentsOut;
  refused?: ReadonlyArray<{ label: string; outcome: ItemOutcome }>;
  error?: string;
}) {
  const l = props.frame.locale;
  const rows = props.payments.toPay;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.payments.title')}
      path="/staff/ledger/payments"
      subnav={<LedgerSubnav locale={l} />}
    >
      <h1>{m(l, 'ledger.payments.title')}</h1>
      <p>{m(l, 'ledger.payments.intro')}</p>
      {props.error === undefined ? null : (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.refused === undefined || props.refused.length === 0 ? null : (
        <section role="alert" data-refused>
          <p>{m(l, 'ledger.payments.refused')}</p>
          <ul>
            {props.refused.map((r) => (
              <li key={r.outcome.id}>
                {`${r.label}: ${r.outcome.ok ? m(l, 'ledger.payments.recorded_one') : t(l, ERROR_CODES[r.outcome.code].message as MessageKey)}`}
              </li>
            ))}
          </ul>
        </section>
      )}
      {rows.length === 0 ? (
        <p>{m(l, 'ledger.payments.none')}</p>
      ) : (
        <form method="post" action={`/staff/ledger/payments?lang=${l}`} class="stack">
          <CsrfField token={props.csrf} />
          <table>
            <thead>
              <tr>
                <th scope="col">{m(l, 'ledger.payments.col.pay')}</th>
                <th scope="col">{m(l, 'ledger.payments.col.recipient')}</th>
                <th scope="col">{m(l, 'ledger.payments.col.balance')}</th>
                <th scope="col">{m(l, 'ledger.payments.col.holding')}</th>
                <th scope="col">{m(l, 'ledger.payments.col.amount')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ recipient, holdings }, i) => {
                const minor = props.payments.minorUnits[recipient.currency] ?? 2;
                const label = `${recipient.label} (${recipient.currency})`;
                return (
                  <tr key={recipient.id} data-recipient={recipient.code}>
                    <td>
                      {holdings.length === 0 ? null : (
                        <input
                          type="checkbox"
                          name="pay"
                          value={String(i)}
                          id={`pay-${i}`}
                          aria-label={`${m(l, 'ledger.payments.col.pay')}: ${label}`}
                        />
                      )}
                      <input type="hidden" name={`id_${i}`} value={randomUUID()} />
                      <input type="hidden" name={`recipient_${i}`} value={recipient.id} />
                    </td>
                    <th scope="row">
                      <label for={`pay-${i}`}>{label}</label>
                    </th>
                    <td>{formatAmount(l, recipient.balance, recipient.currency, minor)}</td>
                    <td>
                      {holdings.length === 0 ? (
                        m(l, 'ledger.payments.no_holding')
                      ) : (
                        <select
                          name={`holding_${i}`}
                          aria-label={`${m(l, 'ledger.payments.col.holding')}: ${label}`}
                        >
                          {holdings.map((h) => (
                            <option key={h.id} value={h.id}>
                              {`${h.code} — ${h.label}`}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td>
                      <input
                        name={`amount_${i}`}
                        inputmode="decimal"
                        size={12}
                        value={majorUnits(recipient.balance, minor)}
                        aria-label={`${m(l, 'ledger.payments.col.amount')}: ${label}`}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="submit">{m(l, 'ledger.payments.record')}</button>
        </form>
      )}
    </StaffPage>
  );
}
