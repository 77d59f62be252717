import { randomUUID } from 'node:crypto';
import type { Locale } from '../../platform/i18n/index.ts';
import { messageFor } from '../../platform/i18n/index.ts';
import {
  DataTable,
  Field,
  type FieldErrors,
  PostForm,
  Section,
  SelectField,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import type { Bookkeeping } from './ledger.bookkeeping.ts';
import { ledgerBookkeepingMessages as m } from './ledger.bookkeeping.messages.ts';
import type { LedgerRate } from './ledger.rates.ts';
import type { LedgerAccount } from './ledger.service.ts';
import { formatAmount, LedgerSubnav } from './ledger.views.tsx';

/** The forms of the bookkeeping page; the one that was refused gets its field errors and values back. */
export type BookkeepingForm =
  | 'currency'
  | 'account'
  | 'deposit'
  | 'allocation'
  | 'rate'
  | 'convert'
  | 'correct';

export interface BookkeepingFailure {
  form: BookkeepingForm;
  errors: FieldErrors;
  values: Record<string, string>;
}

const translate = (locale: Locale, key: string) => messageFor(locale, key);

/**
 * The bookkeeping page: six small forms, each with its own fresh id (a repeated submission is
 * answered, not recorded twice) and its own field ids, so an error names its form's field.
 */
export function BookkeepingView(props: {
  frame: StaffFrame;
  csrf: string;
  book: Bookkeeping;
  failure?: BookkeepingFailure;
}) {
  const l = props.frame.locale;
  const { book, failure } = props;
  const of = (kind: LedgerAccount['kind']) => book.accounts.filter((a) => a.kind === kind);
  const accountOptions = (accounts: readonly LedgerAccount[]) =>
    accounts.map((a) => [a.id, `${a.code} (${a.currency})`] as const);
  const currencies = Object.keys(book.minorUnits).sort();
  const action = (path: string) => `/staff/ledger/bookkeeping/${path}?lang=${l}`;

  /** A form's field props: its own ids, and its errors and values only if it was the refused one. */
  const on = (form: BookkeepingForm) => {
    const mine = failure?.form === form;
    return {
      errors: mine ? failure.errors : undefined,
      value: (name: string) => (mine ? failure.values[name] : undefined),
      field: (name: string, label: string) => ({
        locale: l,
        name,
        id: `${form}-${name}`,
        idPrefix: `${form}-`,
        label,
        translate,
        ...(mine ? { errors: failure.errors } : {}),
      }),
      id: (mine ? failure.values.id : undefined) ?? randomUUID(),
    };
  };

  const currency = on('currency');
  const account = on('account');
  const deposit = on('deposit');
  const allocation = on('allocation');
  const rate = on('rate');
  const convert = on('convert');
  const correct = on('correct');
  const text = (
    f: ReturnType<typeof on>,
    name: string,
    label: string,
    extra: Record<string, unknown> = {},
  ) => <Field {...f.field(name, label)}>{(a) => <input {...a} value={f.value(name)} {...extra} />}</Field>;
  const amount = (f: ReturnType<typeof on>, label = m(l, 'ledger.book.amount')) =>
    text(f, 'amount', label, { inputmode: 'decimal', required: true, maxLength: 24 });
  const select = (
    f: ReturnType<typeof on>,
    name: string,
    label: string,
    options: ReadonlyArray<readonly [string, string]>,
  ) => <SelectField {...f.field(name, label)} options={options} value={f.value(name)} required />;

  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'ledger.book.title')}
      path="/staff/ledger/bookkeeping"
      subnav={<LedgerSubnav locale={l} />}
    >
      <h1>{m(l, 'ledger.book.title')}</h1>
      <p>{m(l, 'ledger.book.intro')}</p>

      <Section headingId="book-currency" title={m(l, 'ledger.book.currency.title')}>
        <PostForm action={action('currencies')} csrf={props.csrf}>
          {text(currency, 'code', m(l, 'ledger.book.currency.code'), { required: true, maxLength: 3 })}
          {text(currency, 'minorUnits', m(l, 'ledger.book.currency.minor'), {
            type: 'number',
            min: 0,
            max: 4,
            required: true,
          })}
          <button type="submit">{m(l, 'ledger.book.currency.submit')}</button>
        </PostForm>
      </Section>

      <Section headingId="book-account" title={m(l, 'ledger.book.account.title')}>
        <PostForm action={action('accounts')} csrf={props.csrf}>
          {select(account, 'kind', m(l, 'ledger.book.account.kind'), [
            ['funding', messageFor(l, 'ledger.kind.funding')],
            ['budget', messageFor(l, 'ledger.kind.budget')],
            ['holding', messageFor(l, 'ledger.kind.holding')],
          ])}
          {text(account, 'code', m(l, 'ledger.book.account.code'), { required: true, maxLength: 80 })}
          {text(account, 'label', m(l, 'ledger.book.account.label'), { required: true, maxLength: 200 })}
          {select(
            account,
            'currency',
            m(l, 'ledger.book.account.currency'),
            currencies.map((c) => [c, c] as const),
          )}
          {text(account, 'overdraft', m(l, 'ledger.book.account.overdraft'), {
            inputmode: 'decimal',
            maxLength: 24,
          })}
          <p>{m(l, 'ledger.book.account.terms')}</p>
          {text(account, 'purpose', m(l, 'ledger.book.account.purpose'), { maxLength: 40 })}
          {text(account, 'country', m(l, 'ledger.book.account.country'), { maxLength: 2 })}
          <SelectField
            {...account.field('fundingAccountId', m(l, 'ledger.book.account.funding'))}
            options={[['', m(l, 'ledger.book.none')], ...accountOptions(of('funding'))]}
            value={account.value('fundingAccountId')}
          />
          <button type="submit">{m(l, 'ledger.book.account.submit')}</button>
        </PostForm>
      </Section>

      {(
        [
          [
            'deposit',
            deposit,
            'holding',
            'funding',
            'ledger.book.deposit.holding',
            'ledger.book.deposit.funding',
          ],
          [
            'allocation',
            allocation,
            'funding',
            'budget',
            'ledger.book.allocation.funding',
            'ledger.book.allocation.budget',
          ],
        ] as const
      ).map(([kind, f, debitKind, creditKind, debitLabel, creditLabel]) => (
        <Section headingId={`book-${kind}`} title={m(l, `ledger.book.${kind}.title`)} key={kind}>
          <PostForm action={action('transfers')} csrf={props.csrf}>
            <input type="hidden" name="id" value={f.id} />
            <input type="hidden" name="kind" value={kind} />
            {select(f, 'debitAccountId', m(l, debitLabel), accountOptions(of(debitKind)))}
            {select(f, 'creditAccountId', m(l, creditLabel), accountOptions(of(creditKind)))}
            {amount(f)}
            <button type="submit">{m(l, `ledger.book.${kind}.submit`)}</button>
          </PostForm>
        </Section>
      ))}

      <Section headingId="book-rate" title={m(l, 'ledger.book.rate.title')}>
        <p>{m(l, 'ledger.book.rate.intro')}</p>
        <PostForm action={action('rates')} csrf={props.csrf}>
          {select(
            rate,
            'from',
            m(l, 'ledger.book.rate.from'),
            currencies.map((c) => [c, c] as const),
          )}
          {select(
            rate,
            'to',
            m(l, 'ledger.book.rate.to'),
            currencies.map((c) => [c, c] as const),
          )}
          {text(rate, 'rate', m(l, 'ledger.book.rate.rate'), {
            inputmode: 'decimal',
            required: true,
            maxLength: 25,
          })}
          {text(rate, 'source', m(l, 'ledger.book.rate.source'), { required: true, maxLength: 200 })}
          {text(rate, 'rateDate', m(l, 'ledger.book.rate.date'), { type: 'date', required: true })}
          <button type="submit">{m(l, 'ledger.book.rate.submit')}</button>
        </PostForm>
        <h3>{m(l, 'ledger.book.rates.title')}</h3>
        <DataTable<LedgerRate>
          rows={book.rates}
          rowKey={(r) => r.id}
          empty={m(l, 'ledger.book.rates.none')}
          columns={[
            {
              key: 'pair',
              header: m(l, 'ledger.book.col.pair'),
              cell: (r) => `${r.from}/${r.to}`,
              rowHeader: true,
            },
            { key: 'rate', header: m(l, 'ledger.book.col.rate'), cell: (r) => r.rate },
            { key: 'source', header: m(l, 'ledger.book.col.source'), cell: (r) => r.source },
            { key: 'date', header: m(l, 'ledger.book.col.date'), cell: (r) => r.rateDate },
          ]}
        />
      </Section>

      <Section headingId="book-convert" title={m(l, 'ledger.book.convert.title')}>
        <PostForm action={action('conversions')} csrf={props.csrf}>
          <input type="hidden" name="id" value={convert.id} />
          {select(convert, 'fromAccountId', m(l, 'ledger.book.convert.from'), accountOptions(book.accounts))}
          {select(convert, 'toAccountId', m(l, 'ledger.book.convert.to'), accountOptions(book.accounts))}
          {select(
            convert,
            'rateId',
            m(l, 'ledger.book.convert.rate'),
            book.rates.map(
              (r) => [r.id, `${r.from}/${r.to} ${r.rate} (${r.rateDate}, ${r.source})`] as const,
            ),
          )}
          {amount(convert, m(l, 'ledger.book.convert.amount'))}
          <button type="submit">{m(l, 'ledger.book.convert.submit')}</button>
        </PostForm>
      </Section>

      <Section headingId="book-correct" title={m(l, 'ledger.book.correct.title')}>
        <p>{m(l, 'ledger.book.correct.intro')}</p>
        {book.correctable.length === 0 ? (
          <p>{m(l, 'ledger.book.correct.none')}</p>
        ) : (
          <PostForm action={action('corrections')} csrf={props.csrf}>
            <input type="hidden" name="id" value={correct.id} />
            {select(
              correct,
              'transferId',
              m(l, 'ledger.book.correct.transfer'),
              book.correctable.map(
                (x) =>
                  [
                    x.id,
                    `${x.createdAt.slice(0, 10)} ${messageFor(l, `ledger.transfer.${x.kind}`)} ${x.debitCode} → ${x.creditCode} ${formatAmount(l, x.amount, x.currency, book.minorUnits[x.currency] ?? 2)} (${x.id.slice(0, 8)})`,
                  ] as const,
              ),
            )}
            <button type="submit">{m(l, 'ledger.book.correct.submit')}</button>
          </PostForm>
        )}
      </Section>
    </StaffPage>
  );
}
