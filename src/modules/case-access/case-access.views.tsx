import { auditActionLabel, auditActorLabel } from '../audit/index.ts';
import { CsrfField } from '../../platform/html.tsx';
import { DataTable } from '../../platform/ui/index.ts';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import type { AccessLogEntry, Anomaly } from './access-log.service.ts';
import type { ApprovalItem } from './approvals.service.ts';
import type { BreakGlassReviewItem } from './break-glass.service.ts';
import { type CaseAccessMessageKey, caseAccessMessages as m } from './case-access.messages.ts';
import type { TeamView, WorkloadRow } from './teams.service.ts';
import { Field, minute, Page, type PageFrame, Select } from './workspace-frame.tsx';

/**
 * Pages of case access: the access log, break-glass and its review, the anomaly report,
 * teams, workload, approvals (with the bulk-export request form) and settings.
 */

export function AccessLogTable(props: { locale: Locale; entries: AccessLogEntry[] }) {
  const l = props.locale;
  // An empty log shows nothing under its heading.
  const rows = props.entries.map((entry, index) => ({ entry, index }));
  return (
    <DataTable<(typeof rows)[number]>
      rows={rows}
      rowKey={(r) => String(r.index)}
      empty={null}
      columns={[
        { key: 'when', header: m(l, 'cases.col.when'), cell: (r) => minute(r.entry.at) },
        // Readable labels (issue 21 item 4): never a stored code or a UUID.
        {
          key: 'who',
          header: m(l, 'cases.col.who'),
          cell: (r) => (r.entry.staff ? r.entry.who : auditActorLabel(l, r.entry.who)),
        },
        { key: 'what', header: m(l, 'cases.col.what'), cell: (r) => auditActionLabel(l, r.entry.action) },
        {
          key: 'why',
          header: m(l, 'cases.col.why'),
          cell: (r) =>
            (r.entry.reason ?? '').replace(
              /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
              '…',
            ),
        },
      ]}
    />
  );
}

export function AccessLogPageView(props: PageFrame & { ref: string; entries: AccessLogEntry[] }) {
  const l = props.locale;
  return (
    <Page
      {...props}
      title={`${m(l, 'cases.case.access_log')} · ${props.ref}`}
      path={`/staff/cases/${props.ref}/access-log`}
    >
      <AccessLogTable locale={l} entries={props.entries} />
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// Break-glass, review, anomalies

export function BreakGlassForm(props: {
  locale: Locale;
  csrf: string;
  refValue: string;
  errors?: Record<string, string> | undefined;
}) {
  const l = props.locale;
  return (
    <form method="post" action={`/staff/cases/break-glass?lang=${l}`} class="stack">
      <CsrfField token={props.csrf} />
      <p class="notice">{m(l, 'cases.bg.intro', { hours: 4 })}</p>
      <Field
        id="bg-ref"
        name="ref"
        label={m(l, 'cases.bg.ref')}
        value={props.refValue}
        required
        locale={l}
        errors={props.errors}
      />
      <Field
        id="bg-reason"
        name="reason"
        label={m(l, 'cases.bg.reason')}
        multiline
        required
        locale={l}
        errors={props.errors}
      />
      <button type="submit" class="danger">
        {m(l, 'cases.bg.submit')}
      </button>
    </form>
  );
}

export function BreakGlassPageView(
  props: PageFrame & { csrf: string; refValue: string; errors?: Record<string, string> | undefined },
) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.bg.title')} path="/staff/cases/break-glass">
      <BreakGlassForm locale={l} csrf={props.csrf} refValue={props.refValue} errors={props.errors} />
    </Page>
  );
}

export function ReviewPageView(
  props: PageFrame & { csrf: string; items: BreakGlassReviewItem[]; selfLabel: string },
) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.bg.review_title')} path="/staff/cases/review">
      <DataTable<BreakGlassReviewItem>
        rows={props.items}
        rowKey={(g) => g.id}
        rowAttributes={(g) => ({ 'data-grant': g.id })}
        empty={m(l, 'cases.bg.none')}
        columns={[
          { key: 'when', header: m(l, 'cases.col.when'), cell: (g) => minute(g.grantedAt) },
          { key: 'staff', header: m(l, 'cases.col.staff'), cell: (g) => g.staff },
          {
            key: 'ref',
            header: m(l, 'cases.col.ref'),
            cell: (g) => <a href={`/staff/cases/${g.ref}/access-log?lang=${l}`}>{g.ref}</a>,
          },
          { key: 'why', header: m(l, 'cases.col.why'), cell: (g) => g.reason },
          {
            key: 'expires',
            header: m(l, 'cases.col.expires'),
            cell: (g) => (
              <>
                {minute(g.expiresAt)} ({g.active ? m(l, 'cases.bg.active') : m(l, 'cases.bg.expired')})
              </>
            ),
          },
          {
            key: 'review',
            header: m(l, 'cases.col.review'),
            cell: (g) =>
              g.reviewedAt !== null ? (
                <span>
                  {m(l, 'cases.bg.reviewed', { who: g.reviewedBy ?? '—' })}
                  {g.reviewNote === null ? null : `: ${g.reviewNote}`}
                </span>
              ) : g.staff === props.selfLabel ? null : (
                <form method="post" action={`/staff/cases/review/${g.id}?lang=${l}`}>
                  <CsrfField token={props.csrf} />
                  <label for={`note-${g.id}`}>{m(l, 'cases.bg.review_note')}</label>
                  <input id={`note-${g.id}`} name="note" maxlength={500} />
                  <button type="submit">{m(l, 'cases.bg.mark_reviewed')}</button>
                </form>
              ),
          },
        ]}
      />
    </Page>
  );
}

export function AnomaliesPageView(
  props: PageFrame & { anomalies: Anomaly[]; thresholds: Record<string, number> },
) {
  const l = props.locale;
  const rules = ['many_cases', 'break_glass_habit', 'outside_assignment', 'identity_searches'] as const;
  return (
    <Page {...props} title={m(l, 'cases.anomaly.title')} path="/staff/cases/anomalies">
      <DataTable<Anomaly>
        rows={props.anomalies}
        rowKey={(a) => `${a.rule}-${a.staffId}`}
        empty={m(l, 'cases.anomaly.none')}
        columns={[
          { key: 'staff', header: m(l, 'cases.col.staff'), cell: (a) => a.staff },
          { key: 'rule', header: m(l, 'cases.col.rule'), cell: (a) => m(l, `cases.anomaly.rule.${a.rule}`) },
          { key: 'count', header: m(l, 'cases.col.count'), cell: (a) => a.count },
          { key: 'threshold', header: m(l, 'cases.col.threshold'), cell: (a) => a.threshold },
        ]}
      />
      <h2>{m(l, 'cases.anomaly.rules')}</h2>
      <ul>
        {rules.map((r) => (
          <li key={r}>{m(l, `cases.anomaly.rule.${r}`)}</li>
        ))}
      </ul>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// Teams, workload, approvals, settings

export function TeamsPageView(
  props: PageFrame & {
    csrf: string;
    teams: TeamView[];
    staff: Array<{ id: string; label: string; role: string }>;
  },
) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.teams.title')} path="/staff/cases/teams">
      {props.teams.map((team) => (
        <section key={team.id} aria-labelledby={`team-${team.id}`}>
          <h2 id={`team-${team.id}`}>
            {team.name}
            {team.triage ? ` (${m(l, 'cases.teams.triage')})` : ''}
            {team.restricted ? ` (${m(l, 'cases.teams.restricted')})` : ''}
          </h2>
          <p>
            {m(l, 'cases.teams.members')}: {team.members.map((x) => x.label).join(', ') || '—'}
          </p>
          <form method="post" action={`/staff/cases/teams/${team.id}/members?lang=${l}`} class="stack">
            <CsrfField token={props.csrf} />
            <Select
              id={`member-${team.id}`}
              name="staffId"
              locale={l}
              label={m(l, 'cases.teams.member')}
              value=""
              options={props.staff.map((s): [string, string] => [
                s.id,
                `${s.label} (${t(l, `role.${s.role}` as MessageKey)})`,
              ])}
            />
            <button type="submit">{m(l, 'cases.teams.add')}</button>
          </form>
        </section>
      ))}
      <form method="post" action={`/staff/cases/teams?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <Field id="team-name" name="name" label={m(l, 'cases.teams.name')} required locale={l} />
        <div>
          <input type="checkbox" id="team-triage" name="triage" class="check" />
          <label for="team-triage" class="inline">
            {m(l, 'cases.teams.triage')}
          </label>
        </div>
        <div>
          <input type="checkbox" id="team-restricted" name="restricted" class="check" />
          <label for="team-restricted" class="inline">
            {m(l, 'cases.teams.restricted_hint')}
          </label>
        </div>
        <button type="submit">{m(l, 'cases.teams.create')}</button>
      </form>
    </Page>
  );
}

export function WorkloadPageView(props: PageFrame & { rows: WorkloadRow[] }) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.workload.title')} path="/staff/cases/workload">
      <DataTable<WorkloadRow>
        rows={props.rows}
        rowKey={(r) => r.staffId}
        empty={null}
        columns={[
          {
            key: 'staff',
            header: m(l, 'cases.col.staff'),
            cell: (r) => <a href={`/staff/cases?lang=${l}&assignee=${r.staffId}`}>{r.label}</a>,
          },
          { key: 'role', header: m(l, 'cases.col.role'), cell: (r) => t(l, `role.${r.role}` as MessageKey) },
          { key: 'open-cases', header: m(l, 'cases.col.open_cases'), cell: (r) => r.openCases },
          { key: 'open-tasks', header: m(l, 'cases.col.open_tasks'), cell: (r) => r.openTasks },
        ]}
      />
    </Page>
  );
}

export function ApprovalsPageView(
  props: PageFrame & {
    csrf: string;
    items: ApprovalItem[];
    canRequestBulk: boolean;
    errors?: Record<string, string> | undefined;
  },
) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.approvals.title')} path="/staff/cases/approvals">
      <DataTable<ApprovalItem>
        rows={props.items}
        rowKey={(a) => a.id}
        rowAttributes={(a) => ({ 'data-approval': a.id })}
        empty={m(l, 'cases.approvals.none')}
        columns={[
          { key: 'when', header: m(l, 'cases.col.when'), cell: (a) => minute(a.requestedAt) },
          {
            key: 'kind',
            header: m(l, 'cases.col.kind'),
            cell: (a) => m(l, `cases.approvals.kind.${a.kind}`),
          },
          {
            key: 'ref',
            header: m(l, 'cases.col.ref'),
            cell: (a) => (a.ref === null ? '—' : <a href={`/staff/cases/${a.ref}?lang=${l}`}>{a.ref}</a>),
          },
          { key: 'requested-by', header: m(l, 'cases.col.requested_by'), cell: (a) => a.requestedBy },
          {
            key: 'status',
            header: m(l, 'cases.col.status'),
            cell: (a) => <ApprovalStatus locale={l} csrf={props.csrf} item={a} />,
          },
        ]}
      />
      {props.canRequestBulk ? (
        <section aria-labelledby="bulk-h">
          <h2 id="bulk-h">{m(l, 'cases.bulk.title')}</h2>
          <form method="post" action={`/staff/cases/exports?lang=${l}`} class="stack">
            <CsrfField token={props.csrf} />
            <Field
              id="bulk-refs"
              name="refs"
              label={m(l, 'cases.bulk.refs')}
              multiline
              required
              locale={l}
              errors={props.errors}
            />
            <Field
              id="bulk-reason"
              name="reason"
              label={m(l, 'cases.bulk.reason')}
              required
              locale={l}
              errors={props.errors}
            />
            <button type="submit">{m(l, 'cases.bulk.request')}</button>
          </form>
        </section>
      ) : null}
    </Page>
  );
}

/** An approval's status, with its decision buttons or its download link. */
function ApprovalStatus(props: { locale: Locale; csrf: string; item: ApprovalItem }) {
  const l = props.locale;
  const a = props.item;
  return (
    <>
      {m(l, `cases.approvals.status.${a.status}` as CaseAccessMessageKey)}
      {a.decidedBy === null ? null : ` (${a.decidedBy})`}
      {a.canDecide ? (
        <>
          <form method="post" action={`/staff/cases/approvals/${a.id}/approve?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} /> <button type="submit">{m(l, 'cases.approvals.approve')}</button>
          </form>
          <form method="post" action={`/staff/cases/approvals/${a.id}/reject?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} />{' '}
            <button type="submit" class="danger">
              {m(l, 'cases.approvals.reject')}
            </button>
          </form>
        </>
      ) : null}
      {a.mine && (a.kind === 'bulk_export' || a.kind === 'case_pdf') && a.status === 'approved' ? (
        <>
          {' '}
          <a href={`/staff/cases/exports/${a.id}?lang=${l}`} download>
            {m(l, 'cases.approvals.download')}
          </a>
        </>
      ) : null}
    </>
  );
}

export function SettingsPageView(props: PageFrame & { csrf: string; fourEyesNotGenuine: boolean }) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.settings.title')} path="/staff/cases/settings">
      <form method="post" action={`/staff/cases/settings?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <div>
          <input
            type="checkbox"
            id="four-eyes"
            name="fourEyesNotGenuine"
            class="check"
            checked={props.fourEyesNotGenuine}
          />
          <label for="four-eyes" class="inline">
            {m(l, 'cases.settings.four_eyes')}
          </label>
        </div>
        <button type="submit">{m(l, 'cases.settings.save')}</button>
      </form>
    </Page>
  );
}
