import type { ComponentChildren } from 'preact';
import { type Locale, messageFor } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  FieldError,
  type FieldErrors,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { disbursementMessages as m } from './ledger.disbursements.messages.ts';
import {
  AUTHENTICITY_KINDS,
  CHANNELS,
  PAYMENT_KINDS,
  PURPOSES,
  REVEAL_AGAIN_REASONS,
  VERIFICATION_STEPS,
} from './ledger.disbursements.schemas.ts';
import type { DisbursementLine, DisbursementPage, ThresholdSettings } from './ledger.disbursements.ts';
import type { PaymentDetails } from './ledger.payment-details.ts';
import type { ScheduleItem } from './ledger.rewards.ts';
import type { VettingView } from './ledger.signoff.ts';
import { formatAmount } from './ledger.views.tsx';

/**
 * The disbursement pages (issue 15 item 9). No page shows a name: a case by its reference,
 * payment details only on the payer's explicit reveal, descriptions only to vetting and
 * evidence officers (each read logged by the service).
 */
const BASE = '/staff/disbursements';
const translate = (l: Locale, key: string) => m(l, key as Parameters<typeof m>[1]);

function Subnav(props: { locale: Locale; canConfigure: boolean; canRequest: boolean }) {
  const l = props.locale;
  return (
    <nav aria-label={m(l, 'disb.nav')} class="workspace">
      <ul class="inline-list">
        <li>
          <a href={`${BASE}?lang=${l}`}>{m(l, 'disb.subnav.queue')}</a>
        </li>
        {props.canRequest ? (
          <li>
            <a href={`${BASE}/new?lang=${l}`}>{m(l, 'disb.new.title')}</a>
          </li>
        ) : null}
        <li>
          <a href={`${BASE}/rewards?lang=${l}`}>{m(l, 'disb.subnav.rewards')}</a>
        </li>
        {props.canRequest ? (
          <li>
            <a href={`${BASE}/rewards/new?lang=${l}`}>{m(l, 'disb.rewards.new')}</a>
          </li>
        ) : null}
        {props.canConfigure ? (
          <li>
            <a href={`${BASE}/settings?lang=${l}`}>{m(l, 'disb.subnav.settings')}</a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

export interface DisbursementFrame extends StaffFrame {
  canConfigure: boolean;
  /** May request disbursements and claim rewards (the subnav links to the forms). */
  canRequest: boolean;
  csrf: string;
}

function Page(props: { frame: DisbursementFrame; title: string; path: string; children: ComponentChildren }) {
  return (
    <StaffPage
      frame={props.frame}
      title={props.title}
      path={props.path}
      subnav={
        <Subnav
          locale={props.frame.locale}
          canConfigure={props.frame.canConfigure}
          canRequest={props.frame.canRequest}
        />
      }
    >
      <h1>{props.title}</h1>
      {props.children}
    </StaffPage>
  );
}

const money = (l: Locale, amount: number, currency: string, minor: number) =>
  formatAmount(l, amount, currency, minor);

function Lines(props: { locale: Locale; lines: DisbursementLine[] }) {
  const l = props.locale;
  return (
    <DataTable<DisbursementLine>
      rows={props.lines}
      rowKey={(x) => x.id}
      empty={m(l, 'disb.queue.empty')}
      rowAttributes={(x) => ({ 'data-disbursement': x.id })}
      columns={[
        {
          key: 'case',
          header: m(l, 'disb.col.case'),
          cell: (x) => x.caseRef,
          rowHeader: true,
        },
        {
          key: 'amount',
          header: m(l, 'disb.col.amount'),
          cell: (x) => money(l, x.amount, x.currency, x.minorUnits),
        },
        {
          key: 'purpose',
          header: m(l, 'disb.col.purpose'),
          cell: (x) => translate(l, `disb.purpose.${x.purpose}`),
        },
        { key: 'tier', header: m(l, 'disb.col.tier'), cell: (x) => String(x.tier) },
        { key: 'due', header: m(l, 'disb.col.due'), cell: (x) => x.dueOn },
        {
          key: 'status',
          header: m(l, 'disb.col.status'),
          cell: (x) => translate(l, `disb.status.${x.status}`),
        },
        {
          key: 'waiting',
          header: m(l, 'disb.col.waiting'),
          cell: (x) => x.waiting.map((w) => translate(l, `disb.waiting.${w}`)).join(', '),
        },
        {
          key: 'open',
          header: m(l, 'disb.col.open'),
          cell: (x) => (
            <a href={`${BASE}/${x.id}?lang=${l}`} aria-label={m(l, 'disb.open', { id: x.id.slice(0, 8) })}>
              {m(l, 'disb.col.open')}
            </a>
          ),
        },
      ]}
    />
  );
}

export function QueuePageView(props: {
  frame: DisbursementFrame;
  queue: { forMe: DisbursementLine[]; mine: DisbursementLine[] };
}) {
  const l = props.frame.locale;
  return (
    <Page frame={props.frame} title={m(l, 'disb.queue.title')} path={BASE}>
      <h2>{m(l, 'disb.queue.for_me')}</h2>
      <Lines locale={l} lines={props.queue.forMe} />
      <h2>{m(l, 'disb.queue.mine')}</h2>
      <Lines locale={l} lines={props.queue.mine} />
    </Page>
  );
}

function Select(props: {
  locale: Locale;
  name: string;
  label: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  value?: string | undefined;
  errors?: FieldErrors;
  optional?: boolean;
}) {
  const l = props.locale;
  return (
    <Field locale={l} name={props.name} label={props.label} errors={props.errors}>
      {(a) => (
        <select {...a}>
          {props.optional === true ? <option value="">{m(l, 'disb.field.none')}</option> : null}
          {props.options.map((o) => (
            <option key={o.value} value={o.value} selected={o.value === props.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export type FormValues = Readonly<Record<string, string>>;

function PaymentFields(props: { locale: Locale; values: FormValues; errors: FieldErrors }) {
  const l = props.locale;
  return (
    <>
      <Select
        locale={l}
        name="paymentKind"
        label={m(l, 'disb.field.payment_kind')}
        options={PAYMENT_KINDS.map((k) => ({ value: k, label: translate(l, `disb.payment_kind.${k}`) }))}
        value={props.values.paymentKind}
        errors={props.errors}
        optional
      />
      <Field
        locale={l}
        name="paymentDetails"
        label={m(l, 'disb.field.payment_details')}
        hint={m(l, 'disb.field.payment_hint')}
        errors={props.errors}
      >
        {(a) => <input {...a} type="text" autocomplete="off" maxlength={500} />}
      </Field>
    </>
  );
}

function CommonFields(props: {
  locale: Locale;
  budgets: ReadonlyArray<{ id: string; code: string; label: string; currency: string }>;
  values: FormValues;
  errors: FieldErrors;
}) {
  const l = props.locale;
  return (
    <>
      <Select
        locale={l}
        name="budgetAccountId"
        label={m(l, 'disb.field.budget')}
        options={props.budgets.map((b) => ({ value: b.id, label: `${b.label} (${b.currency})` }))}
        value={props.values.budgetAccountId}
        errors={props.errors}
      />
      <Select
        locale={l}
        name="channel"
        label={m(l, 'disb.field.channel')}
        options={CHANNELS.map((c) => ({ value: c, label: translate(l, `disb.channel.${c}`) }))}
        value={props.values.channel}
        errors={props.errors}
      />
      <Field locale={l} name="dueOn" label={m(l, 'disb.field.due')} errors={props.errors}>
        {(a) => <input {...a} type="date" required value={props.values.dueOn ?? ''} />}
      </Field>
    </>
  );
}

/**
 * A request opened from the payments pages rather than a case's page: first the case's
 * reference (a GET form back to the same address with `case`).
 */
export function ChooseCaseView(props: {
  frame: DisbursementFrame;
  reward: boolean;
  typed?: string | undefined;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const path = props.reward ? `${BASE}/rewards/new` : `${BASE}/new`;
  return (
    <Page frame={props.frame} title={m(l, props.reward ? 'disb.rewards.new' : 'disb.new.title')} path={path}>
      <p>{m(l, 'disb.choose.intro')}</p>
      <form method="get" action={path} class="stack">
        <input type="hidden" name="lang" value={l} />
        <Field
          locale={l}
          name="case"
          label={m(l, 'disb.field.case')}
          errors={props.errors}
          translate={translate}
        >
          {(a) => (
            <input
              {...a}
              type="text"
              required
              autocomplete="off"
              spellcheck={false}
              maxlength={20}
              value={props.typed ?? ''}
            />
          )}
        </Field>
        <button type="submit">{m(l, 'disb.choose.continue')}</button>
      </form>
    </Page>
  );
}

/** A case document a reward claim or an authenticity signal may rest on (name decrypted for the page). */
export interface EvidenceDocument {
  id: string;
  name: string;
  type: string;
  on: string;
}

/**
 * The case's documents as checkboxes (`evidenceIds`), so staff pick the evidence by name
 * instead of typing ids; the chosen ones stay ticked when the form comes back with an error.
 */
function EvidenceChoice(props: {
  locale: Locale;
  documents: readonly EvidenceDocument[];
  chosen?: readonly string[];
  errors?: FieldErrors;
}) {
  const l = props.locale;
  const invalid = props.errors?.evidenceIds !== undefined;
  return (
    <fieldset aria-describedby={invalid ? 'evidenceIds-error' : undefined}>
      <legend>{m(l, 'disb.field.evidence')}</legend>
      {props.documents.length === 0 ? <p>{m(l, 'disb.field.no_documents')}</p> : null}
      {props.documents.map((d) => (
        <div key={d.id}>
          <input
            type="checkbox"
            name="evidenceIds"
            value={d.id}
            id={`evidence-${d.id}`}
            checked={props.chosen?.includes(d.id) === true}
          />{' '}
          <label for={`evidence-${d.id}`}>{`${d.name} (${d.type}, ${d.on})`}</label>
        </div>
      ))}
      <FieldError locale={l} errors={props.errors} name="evidenceIds" />
    </fieldset>
  );
}

export function RequestFormView(props: {
  frame: DisbursementFrame;
  form: {
    caseRef: string;
    budgets: ReadonlyArray<{ id: string; code: string; label: string; currency: string }>;
  };
  id: string;
  values: FormValues;
  errors?: FieldErrors;
  schedule?: ScheduleItem[];
  documents?: readonly EvidenceDocument[];
  chosenEvidence?: readonly string[];
}) {
  const l = props.frame.locale;
  const reward = props.schedule !== undefined;
  const errors = props.errors;
  return (
    <Page
      frame={props.frame}
      title={m(l, reward ? 'disb.rewards.new' : 'disb.new.title')}
      path={reward ? `${BASE}/rewards/new` : `${BASE}/new`}
    >
      <p>{m(l, 'disb.new.case', { ref: props.form.caseRef })}</p>
      <form method="post" action={`${BASE}${reward ? '/rewards' : ''}?lang=${l}`} class="stack">
        <CsrfField token={props.frame.csrf} />
        <input type="hidden" name="id" value={props.id} />
        <input type="hidden" name="caseRef" value={props.form.caseRef} />
        {reward ? (
          <>
            <Select
              locale={l}
              name="scheduleId"
              label={m(l, 'disb.field.schedule')}
              options={props.schedule!.map((s) => ({
                value: s.id,
                label: `${s.label}: ${money(l, s.amount, s.currency, s.minorUnits)}`,
              }))}
              value={props.values.scheduleId}
              errors={errors}
            />
            <Field locale={l} name="description" label={m(l, 'disb.field.description')} errors={errors}>
              {(a) => (
                <textarea {...a} rows={4} required maxlength={4000}>
                  {props.values.description ?? ''}
                </textarea>
              )}
            </Field>
            <EvidenceChoice
              locale={l}
              documents={props.documents ?? []}
              {...(props.chosenEvidence === undefined ? {} : { chosen: props.chosenEvidence })}
              {...(errors === undefined ? {} : { errors })}
            />
          </>
        ) : (
          <>
            <Field
              locale={l}
              name="amount"
              label={m(l, 'disb.field.amount')}
              hint={m(l, 'disb.field.amount_hint')}
              errors={errors}
            >
              {(a) => (
                <input {...a} type="text" inputmode="decimal" required value={props.values.amount ?? ''} />
              )}
            </Field>
            <Select
              locale={l}
              name="purpose"
              label={m(l, 'disb.field.purpose')}
              options={PURPOSES.map((p) => ({ value: p, label: translate(l, `disb.purpose.${p}`) }))}
              value={props.values.purpose}
              errors={errors}
            />
          </>
        )}
        <CommonFields locale={l} budgets={props.form.budgets} values={props.values} errors={errors} />
        <PaymentFields locale={l} values={props.values} errors={errors} />
        <button type="submit">{m(l, reward ? 'disb.submit.claim' : 'disb.submit.request')}</button>
      </form>
    </Page>
  );
}

function ActionForm(props: {
  locale: Locale;
  csrf: string;
  id: string;
  action: string;
  label: string;
  children?: ComponentChildren;
}) {
  return (
    <form method="post" action={`${BASE}/${props.id}/${props.action}?lang=${props.locale}`} class="inline">
      <CsrfField token={props.csrf} />
      {props.children}
      <button type="submit">{props.label}</button>
    </form>
  );
}

export function DisbursementPageView(props: {
  frame: DisbursementFrame;
  page: DisbursementPage;
  vetting?: VettingView | undefined;
  revealed?: PaymentDetails | undefined;
}) {
  const l = props.frame.locale;
  const p = props.page;
  const csrf = props.frame.csrf;
  const act = (action: string, label: string, children?: ComponentChildren) => (
    <ActionForm locale={l} csrf={csrf} id={p.id} action={action} label={label}>
      {children}
    </ActionForm>
  );
  return (
    <Page
      frame={props.frame}
      title={`${m(l, 'disb.page.title')} ${p.id.slice(0, 8)}`}
      path={`${BASE}/${p.id}`}
    >
      {p.paused ? <p class="notice">{m(l, 'disb.page.paused')}</p> : null}
      <dl data-disbursement={p.id}>
        <dt>{m(l, 'disb.col.case')}</dt>
        <dd>{p.caseRef}</dd>
        <dt>{m(l, 'disb.col.amount')}</dt>
        <dd>{money(l, p.amount, p.currency, p.minorUnits)}</dd>
        <dt>{m(l, 'disb.page.base')}</dt>
        <dd>{money(l, p.baseAmount, p.baseCurrency, p.baseMinorUnits)}</dd>
        <dt>{m(l, 'disb.col.tier')}</dt>
        <dd>{translate(l, `disb.page.tier.${p.tier}`)}</dd>
        <dt>{m(l, 'disb.col.purpose')}</dt>
        <dd>{translate(l, `disb.purpose.${p.purpose}`)}</dd>
        <dt>{m(l, 'disb.page.channel')}</dt>
        <dd>{translate(l, `disb.channel.${p.channel}`)}</dd>
        <dt>{m(l, 'disb.col.due')}</dt>
        <dd>{p.dueOn}</dd>
        <dt>{m(l, 'disb.page.requested_by')}</dt>
        <dd>{p.requestedBy}</dd>
        <dt>{m(l, 'disb.col.status')}</dt>
        <dd data-status={p.status}>{translate(l, `disb.status.${p.status}`)}</dd>
        <dt>{m(l, 'disb.col.waiting')}</dt>
        <dd>{p.waiting.map((w) => translate(l, `disb.waiting.${w}`)).join(', ')}</dd>
      </dl>

      <h2>{m(l, 'disb.page.approvals')}</h2>
      {p.approvals.length === 0 ? <p>{m(l, 'disb.page.no_approvals')}</p> : null}
      <ul>
        {p.approvals.map((a) => (
          <li key={a.who}>
            {a.who} ({messageFor(l, `role.${a.role}`)}), {a.at.slice(0, 16).replace('T', ' ')}{' '}
            {a.counts ? null : m(l, 'disb.page.not_counted')}
          </li>
        ))}
      </ul>
      {p.can.approve ? act('approve', m(l, 'disb.action.approve')) : null}
      {p.can.deny ? act('deny', m(l, 'disb.action.deny')) : null}

      <h2>{m(l, 'disb.page.signoffs')}</h2>
      <p>{m(l, p.needsSignoff ? 'disb.page.signoff_needed' : 'disb.page.signoff_not_needed')}</p>
      <ul>
        {p.signoffs.map((s) => (
          <li key={`${s.epoch}`}>
            {s.who}, {s.at.slice(0, 16).replace('T', ' ')} {s.current ? null : m(l, 'disb.page.not_counted')}
          </li>
        ))}
      </ul>
      {p.can.signOff ? act('signoff', m(l, 'disb.action.signoff')) : null}

      {props.vetting === undefined ? null : (
        <section>
          <h2>{m(l, 'disb.page.authenticity')}</h2>
          <ul>
            {props.vetting.signals.map((s) => (
              <li key={s.at}>
                {translate(l, `disb.authenticity.${s.kind}`)}: {s.description}{' '}
                {s.evidenceIds.length === 0
                  ? null
                  : m(l, 'disb.page.evidence', { ids: s.evidenceIds.join(', ') })}
              </li>
            ))}
          </ul>
          {props.vetting.reward === undefined ? null : (
            <>
              <h3>{m(l, 'disb.page.reward')}</h3>
              <p>{props.vetting.reward.description}</p>
            </>
          )}
        </section>
      )}
      {p.can.verify
        ? act(
            'verify',
            m(l, 'disb.action.verify'),
            <Select
              locale={l}
              name="step"
              label={m(l, 'disb.field.kind')}
              options={VERIFICATION_STEPS.map((s) => ({ value: s, label: translate(l, `disb.step.${s}`) }))}
            />,
          )
        : null}

      <h2>{m(l, 'disb.page.payment_details')}</h2>
      {p.paymentKind === null ? (
        <p>{m(l, 'disb.page.payment_none')}</p>
      ) : (
        <p>
          {m(l, 'disb.page.payment_hidden', { kind: translate(l, `disb.payment_kind.${p.paymentKind}`) })}{' '}
          {p.reveals > 0 ? m(l, 'disb.page.revealed', { count: p.reveals }) : null}
        </p>
      )}
      {props.revealed === undefined ? null : (
        <div class="notice" role="status">
          <p>{m(l, 'disb.page.shown')}</p>
          <p>
            {translate(l, `disb.payment_kind.${props.revealed.kind}`)}:{' '}
            <code data-payment-details="">{props.revealed.value}</code>
          </p>
        </div>
      )}
      {p.can.reveal && props.revealed === undefined
        ? p.reveals === 0
          ? act('reveal', m(l, 'disb.action.reveal'))
          : act(
              'reveal',
              m(l, 'disb.action.reveal_again'),
              <Select
                locale={l}
                name="again"
                label={m(l, 'disb.action.reveal_reason')}
                options={REVEAL_AGAIN_REASONS.map((r) => ({
                  value: r,
                  label: translate(l, `disb.reason.${r}`),
                }))}
              />,
            )
        : null}
      {p.can.post ? act('post', m(l, 'disb.action.post')) : null}
      {p.can.void ? act('void', m(l, 'disb.action.void')) : null}
    </Page>
  );
}

export function CasePaymentsView(props: {
  frame: DisbursementFrame;
  data: { caseRef: string; lines: DisbursementLine[]; canRequest: boolean };
  errors?: FieldErrors;
  documents?: readonly EvidenceDocument[];
}) {
  const l = props.frame.locale;
  const ref = props.data.caseRef;
  return (
    <Page frame={props.frame} title={m(l, 'disb.case.title', { ref })} path={`${BASE}/cases/${ref}`}>
      {props.data.canRequest ? (
        <p>
          <a href={`${BASE}/new?case=${encodeURIComponent(ref)}&lang=${l}`}>{m(l, 'disb.case.request')}</a>{' '}
          <a href={`${BASE}/rewards/new?case=${encodeURIComponent(ref)}&lang=${l}`}>
            {m(l, 'disb.case.claim')}
          </a>
        </p>
      ) : null}
      <Lines locale={l} lines={props.data.lines} />
      {props.data.canRequest ? (
        <section>
          <h2>{m(l, 'disb.case.authenticity')}</h2>
          <form method="post" action={`${BASE}/cases/${ref}/authenticity?lang=${l}`} class="stack">
            <CsrfField token={props.frame.csrf} />
            <Select
              locale={l}
              name="kind"
              label={m(l, 'disb.field.kind')}
              options={AUTHENTICITY_KINDS.map((k) => ({
                value: k,
                label: translate(l, `disb.authenticity.${k}`),
              }))}
              errors={props.errors}
            />
            <Field locale={l} name="description" label={m(l, 'disb.field.description')} errors={props.errors}>
              {(a) => <textarea {...a} rows={3} required maxlength={4000} />}
            </Field>
            <EvidenceChoice
              locale={l}
              documents={props.documents ?? []}
              {...(props.errors === undefined ? {} : { errors: props.errors })}
            />
            <button type="submit">{m(l, 'disb.submit.record')}</button>
          </form>
        </section>
      ) : null}
    </Page>
  );
}

export function RewardsPageView(props: {
  frame: DisbursementFrame;
  claims: DisbursementLine[];
  schedule: ScheduleItem[];
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  return (
    <Page frame={props.frame} title={m(l, 'disb.rewards.title')} path={`${BASE}/rewards`}>
      <h2>{m(l, 'disb.rewards.claims')}</h2>
      <Lines locale={l} lines={props.claims} />
      <h2>{m(l, 'disb.rewards.schedule')}</h2>
      <DataTable<ScheduleItem>
        rows={props.schedule}
        rowKey={(s) => s.id}
        empty={m(l, 'disb.queue.empty')}
        columns={[
          { key: 'code', header: m(l, 'disb.field.code'), cell: (s) => s.code, rowHeader: true },
          { key: 'label', header: m(l, 'disb.field.label'), cell: (s) => s.label },
          {
            key: 'amount',
            header: m(l, 'disb.col.amount'),
            cell: (s) => money(l, s.amount, s.currency, s.minorUnits),
          },
        ]}
      />
      {props.frame.canConfigure ? (
        <section>
          <h2>{m(l, 'disb.rewards.add')}</h2>
          <form method="post" action={`${BASE}/rewards/schedule?lang=${l}`} class="stack">
            <CsrfField token={props.frame.csrf} />
            {(['code', 'label', 'amount', 'currency'] as const).map((name) => (
              <Field
                key={name}
                locale={l}
                name={name}
                label={m(l, name === 'amount' ? 'disb.field.amount' : `disb.field.${name}`)}
                errors={props.errors}
              >
                {(a) => <input {...a} type="text" required />}
              </Field>
            ))}
            <button type="submit">{m(l, 'disb.submit.add')}</button>
          </form>
        </section>
      ) : null}
    </Page>
  );
}

export function SettingsPageView(props: {
  frame: DisbursementFrame;
  settings: ThresholdSettings;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const s = props.settings;
  const decimal = (minor: number) =>
    formatAmount('en', minor, s.baseCurrency, s.minorUnits).replace(/[^0-9.]/g, '');
  return (
    <Page frame={props.frame} title={m(l, 'disb.settings.title')} path={`${BASE}/settings`}>
      <p>{m(l, 'disb.settings.intro')}</p>
      <form method="post" action={`${BASE}/settings?lang=${l}`} class="stack">
        <CsrfField token={props.frame.csrf} />
        <Select
          locale={l}
          name="baseCurrency"
          label={m(l, 'disb.field.base')}
          options={s.currencies.map((c) => ({ value: c, label: c }))}
          value={s.baseCurrency}
          errors={props.errors}
        />
        <Field locale={l} name="tier1" label={m(l, 'disb.field.tier1')} errors={props.errors}>
          {(a) => <input {...a} type="text" inputmode="decimal" required value={decimal(s.tier1)} />}
        </Field>
        <Field locale={l} name="tier2" label={m(l, 'disb.field.tier2')} errors={props.errors}>
          {(a) => <input {...a} type="text" inputmode="decimal" required value={decimal(s.tier2)} />}
        </Field>
        <button type="submit">{m(l, 'disb.submit.save')}</button>
      </form>
    </Page>
  );
}
