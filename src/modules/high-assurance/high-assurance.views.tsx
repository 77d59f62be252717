import type { ComponentChildren } from 'preact';
import { CsrfField } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  type Column,
  DataTable,
  ErrorSummary,
  Field,
  PostForm,
  Section,
  SelectField,
  type StaffFrame,
  StaffPage,
  TextAreaField,
  type TranslateKey,
} from '../../platform/ui/index.ts';
import { ApplicantLayout } from '../intake/index.ts';
import type { CodeView } from './high-assurance.service.ts';
import { type HighAssuranceMessageKey, ham } from './high-assurance.messages.ts';

/** The contact page's address (handed out with the code; linked from nowhere). */
export const CONTACT_PATH = '/contact';

const tr: TranslateKey = (l, key) => ham(l, key as HighAssuranceMessageKey);

function summary(l: Locale, errors: Record<string, string>): string | undefined {
  const keys = Object.values(errors);
  return keys.length === 0 ? undefined : [ham(l, 'error.summary'), ...keys.map((k) => tr(l, k))].join(' ');
}

/** Why no classified documents, and what to do instead: on the contact page and the receipt. */
function NoClassified(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <Section headingId="no-classified-h" title={ham(l, 'page.no_classified.title')}>
      <p>{ham(l, 'page.no_classified.what')}</p>
      <p>{ham(l, 'page.no_classified.why')}</p>
      <p>{ham(l, 'page.no_classified.instead')}</p>
    </Section>
  );
}

/** The contact page: no script, nothing external, a few KB (the applicant site's rules). */
export function ContactPage(props: {
  locale: Locale;
  challenge: string;
  formToken: string;
  message: string;
  errors: Record<string, string>;
}) {
  const l = props.locale;
  const errors = props.errors;
  return (
    <ApplicantLayout locale={l} title={ham(l, 'page.title')} path={CONTACT_PATH}>
      <p>{ham(l, 'page.intro')}</p>
      <NoClassified locale={l} />
      <ErrorSummary message={summary(l, errors)} id="errors" />
      <form method="post" action={`${CONTACT_PATH}?lang=${l}`}>
        <input type="hidden" name="challenge" value={props.challenge} />
        <input type="hidden" name="form_token" value={props.formToken} />
        <Field
          locale={l}
          id="code"
          name="code"
          label={ham(l, 'field.code')}
          hint={ham(l, 'field.code.hint')}
          errors={errors}
          translate={tr}
        >
          {(a) => (
            <input
              {...a}
              type="text"
              required
              maxLength={64}
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
            />
          )}
        </Field>
        <TextAreaField
          locale={l}
          id="message"
          name="message"
          label={ham(l, 'field.message')}
          hint={ham(l, 'field.message.hint')}
          errors={errors}
          translate={tr}
          rows={6}
          maxLength={5000}
          value={props.message}
        />
        <p>{ham(l, 'page.after')}</p>
        <p>
          <button type="submit">{ham(l, 'submit')}</button>
        </p>
      </form>
    </ApplicantLayout>
  );
}

/** The receipt: the codename, once (again for a retry of the same form). */
export function ContactReceiptPage(props: { locale: Locale; codename: string; replay: boolean }) {
  const l = props.locale;
  return (
    <ApplicantLayout locale={l} title={ham(l, 'receipt.title')} path="/inbox">
      <p class="ok" role="status">
        {ham(l, props.replay ? 'receipt.again' : 'receipt.received')}
      </p>
      <h2>{ham(l, 'receipt.yours')}</h2>
      <p class="codename" id="codename">
        {props.codename}
      </p>
      <p>
        <strong>{ham(l, 'receipt.once')}</strong>
      </p>
      <p>{ham(l, 'receipt.next')}</p>
      <p>
        <a href={`/inbox?lang=${l}`}>{ham(l, 'receipt.inbox')}</a>
      </p>
      <NoClassified locale={l} />
    </ApplicantLayout>
  );
}

/** The staff page: issue (for restricted-team coordinators), the list, break-glass (administrators). */
export function ContactCodesPage(props: {
  frame: StaffFrame;
  csrf: string;
  teams: Array<{ id: string; name: string }>;
  codes: CodeView[];
  canIssue: boolean;
  canRequestBreakGlass: boolean;
  issued?: { code: string; expiresAt: Date; address: string } | undefined;
  errors: Record<string, string>;
  values: Record<string, string>;
}) {
  const l = props.frame.locale;
  const errors = props.errors;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const columns: Column<CodeView>[] = [
    { key: 'label', header: ham(l, 'staff.col.label'), cell: (c) => c.label || '—', rowHeader: true },
    { key: 'team', header: ham(l, 'staff.col.team'), cell: (c) => c.teamName },
    { key: 'issued', header: ham(l, 'staff.col.issued'), cell: (c) => day(c.issuedAt) },
    { key: 'expires', header: ham(l, 'staff.col.expires'), cell: (c) => day(c.expiresAt) },
    {
      key: 'state',
      header: ham(l, 'staff.col.state'),
      cell: (c) => ham(l, `state.${c.state}`, { day: c.usedOn ?? '' }),
    },
    {
      key: 'case',
      header: ham(l, 'staff.col.case'),
      cell: (c): ComponentChildren =>
        c.caseRef === null ? '—' : <a href={`/staff/cases/${c.caseRef}?lang=${l}`}>{c.caseRef}</a>,
    },
    {
      key: 'action',
      header: ham(l, 'staff.col.action'),
      cell: (c) =>
        c.state !== 'active' ? null : (
          <form method="post" action={`/staff/high-assurance/codes/${c.id}/revoke?lang=${l}`}>
            <CsrfField token={props.csrf} />
            <button type="submit">{ham(l, 'staff.revoke')}</button>
          </form>
        ),
    },
  ];
  return (
    <StaffPage frame={props.frame} title={ham(l, 'staff.title')} path="/staff/high-assurance">
      <p>{ham(l, 'staff.intro')}</p>
      <ErrorSummary message={summary(l, errors)} id="errors" />
      {props.issued === undefined ? null : (
        <Section headingId="issued-h" title={ham(l, 'staff.issued.title')} class="notice">
          <dl>
            <dt>{ham(l, 'staff.issued.code')}</dt>
            <dd>
              <code id="issued-code">{props.issued.code}</code>
            </dd>
            <dt>{ham(l, 'staff.issued.address')}</dt>
            <dd>
              <code>{props.issued.address}</code>
            </dd>
            <dt>{ham(l, 'staff.issued.until')}</dt>
            <dd>{day(props.issued.expiresAt)}</dd>
          </dl>
          <p>
            <strong>{ham(l, 'staff.issued.once')}</strong>
          </p>
        </Section>
      )}
      {props.teams.length === 0 ? (
        <p>{ham(l, 'staff.no_team')}</p>
      ) : (
        <>
          {props.canIssue ? (
            <Section headingId="issue-h" title={ham(l, 'staff.issue.title')}>
              <PostForm action={`/staff/high-assurance/codes?lang=${l}`} csrf={props.csrf}>
                <SelectField
                  locale={l}
                  id="teamId"
                  name="teamId"
                  label={ham(l, 'staff.issue.team')}
                  errors={errors}
                  translate={tr}
                  options={props.teams.map((t) => [t.id, t.name] as const)}
                  value={props.values.teamId}
                />
                <Field
                  locale={l}
                  id="label"
                  name="label"
                  label={ham(l, 'staff.issue.label')}
                  hint={ham(l, 'staff.issue.label.hint')}
                  errors={errors}
                  translate={tr}
                >
                  {(a) => <input {...a} type="text" maxLength={100} value={props.values.label ?? ''} />}
                </Field>
                <Field
                  locale={l}
                  id="days"
                  name="days"
                  label={ham(l, 'staff.issue.days')}
                  errors={errors}
                  translate={tr}
                >
                  {(a) => <input {...a} type="number" min={1} max={90} value={props.values.days ?? '30'} />}
                </Field>
                <button type="submit">{ham(l, 'staff.issue.submit')}</button>
              </PostForm>
            </Section>
          ) : null}
          <Section headingId="codes-h" title={ham(l, 'staff.list.title')}>
            <DataTable
              columns={columns}
              rows={props.codes}
              rowKey={(c) => c.id}
              empty={ham(l, 'staff.list.none')}
              rowAttributes={(c) => ({ 'data-code': c.id })}
            />
          </Section>
        </>
      )}
      {props.canRequestBreakGlass ? (
        <Section headingId="bg-h" title={ham(l, 'bg.title')}>
          <p>{ham(l, 'bg.intro')}</p>
          <PostForm action={`/staff/high-assurance/break-glass?lang=${l}`} csrf={props.csrf}>
            <Field locale={l} id="bg-ref" name="ref" label={ham(l, 'bg.ref')} errors={errors} translate={tr}>
              {(a) => <input {...a} type="text" maxLength={20} value={props.values.ref ?? ''} />}
            </Field>
            <TextAreaField
              locale={l}
              id="bg-reason"
              name="reason"
              label={ham(l, 'bg.reason')}
              errors={errors}
              translate={tr}
              rows={3}
              maxLength={500}
            />
            <button type="submit">{ham(l, 'bg.submit')}</button>
          </PostForm>
        </Section>
      ) : null}
    </StaffPage>
  );
}

/** The reminder at the top of a restricted case's page (ADR 0160). */
export function RestrictedCaseReminder(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <aside class="alert" role="note" id="ha-reminder" aria-labelledby="ha-reminder-h">
      <h2 id="ha-reminder-h">{ham(l, 'reminder.title')}</h2>
      <p>{ham(l, 'reminder.why')}</p>
      <p>{ham(l, 'reminder.instead')}</p>
    </aside>
  );
}
