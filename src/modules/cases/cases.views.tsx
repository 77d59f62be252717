import type { ComponentChildren } from 'preact';
import { CsrfField, StaffLayout } from '../../platform/html.tsx';
import { catalogueFor, LOCALES, type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import type {
  AccessLogEntry,
  Anomaly,
  ApprovalItem,
  BreakGlassReviewItem,
  TeamView,
  WorkloadRow,
} from './case-access.service.ts';
import { PathwayCheckEntry } from './case-pathways.entry.tsx';
import { casePathwaysMessages } from './case-pathways.messages.ts';
import { CASE_STATUSES, CLOSING_REASONS, OPEN_STATUSES } from './case-workflow.ts';
import { type CasesMessageKey, isCasesMessageKey, casesMessages as m } from './cases.messages.ts';
import { APPLICANT_TYPES, type QueueQuery, TASK_KINDS } from './cases.schemas.ts';
import type { CaseFile, DocumentView, DueTask, QueueItem, QueuePage, TimelineItem } from './cases.service.ts';
import { REPLY_TEMPLATES } from './cases.templates.ts';

/**
 * Views of the workspace. Every value shown is chosen from the presenters' allow-listed
 * fields and escaped by the renderer: a story or message holding HTML shows as text.
 * No script: every action is a plain form, so the pages work with the keyboard alone.
 */

/** Translates a message key from this module's catalogue or the shared one. */
export function msg(locale: Locale, key: string, params?: Record<string, string | number>): string {
  if (isCasesMessageKey(key)) return m(locale, key, params);
  if (key in catalogueFor(locale)) return t(locale, key as MessageKey, params);
  return t(locale, 'field.invalid');
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function ageDays(from: string, today: string): number {
  return Math.max(
    0,
    Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000),
  );
}

export interface WorkspaceNavProps {
  locale: Locale;
  canAssign: boolean;
  canReview: boolean;
  canBreakGlass: boolean;
  reviewCount: number;
}

export function WorkspaceNav(props: WorkspaceNavProps) {
  const l = props.locale;
  const link = (href: string, key: CasesMessageKey) => (
    <li>
      <a href={`${href}?lang=${l}`}>{m(l, key)}</a>
    </li>
  );
  return (
    <nav aria-label={m(l, 'cases.nav.label')} class="workspace">
      <ul class="inline-list">
        {link('/staff/cases', 'cases.nav.queue')}
        {link('/staff/cases/due', 'cases.nav.due')}
        {link('/staff/cases/search', 'cases.nav.search')}
        {props.canBreakGlass ? link('/staff/cases/break-glass', 'cases.nav.break_glass') : null}
        {link('/staff/cases/approvals', 'cases.nav.approvals')}
        {props.canAssign ? link('/staff/cases/workload', 'cases.nav.workload') : null}
        {props.canAssign ? link('/staff/cases/teams', 'cases.nav.teams') : null}
        {props.canReview ? link('/staff/cases/review', 'cases.nav.review') : null}
        {props.canReview ? link('/staff/cases/anomalies', 'cases.nav.anomalies') : null}
        {props.canReview ? link('/staff/cases/settings', 'cases.nav.settings') : null}
      </ul>
      {props.reviewCount > 0 ? (
        <p class="notice">
          <a href={`/staff/cases/review?lang=${l}`}>
            {m(l, 'cases.review_pending', { count: props.reviewCount })}
          </a>
        </p>
      ) : null}
    </nav>
  );
}

export interface PageFrame {
  locale: Locale;
  nav: ComponentChildren;
  workspace: WorkspaceNavProps;
  flash?: string | undefined;
  error?: string | undefined;
}

function Page(props: PageFrame & { title: string; path: string; children: ComponentChildren }) {
  return (
    <StaffLayout locale={props.locale} title={props.title} path={props.path} nav={props.nav}>
      <WorkspaceNav {...props.workspace} />
      {props.flash === undefined ? null : (
        <p class="ok" role="status">
          {props.flash}
        </p>
      )}
      {props.error === undefined ? null : (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      {props.children}
    </StaffLayout>
  );
}

function Select(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  options: Array<[string, string]>;
  required?: boolean;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name} required={props.required === true}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === props.value} key={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

function Field(props: {
  id: string;
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'date';
  errors?: Record<string, string> | undefined;
  locale: Locale;
  required?: boolean;
  multiline?: boolean;
  rows?: number;
}) {
  const error = props.errors?.[props.name];
  const describedBy = `${props.id}-error`;
  const aria =
    error === undefined ? {} : { 'aria-invalid': 'true' as const, 'aria-describedby': describedBy };
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.multiline === true ? (
        <textarea
          id={props.id}
          name={props.name}
          rows={props.rows ?? 4}
          required={props.required === true}
          {...aria}
        >
          {props.value ?? ''}
        </textarea>
      ) : (
        <input
          id={props.id}
          name={props.name}
          type={(props.type ?? 'text') as 'text'}
          value={props.value ?? ''}
          required={props.required === true}
          {...aria}
        />
      )}
      {error === undefined ? null : (
        <span class="error" id={describedBy}>
          {msg(props.locale, error)}
        </span>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Queue

function QueueTable(props: { locale: Locale; items: QueueItem[]; today: string }) {
  const l = props.locale;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{m(l, 'cases.col.ref')}</th>
          <th scope="col">{m(l, 'cases.col.urgency')}</th>
          <th scope="col">{m(l, 'cases.col.status')}</th>
          <th scope="col">{m(l, 'cases.col.type')}</th>
          <th scope="col">{m(l, 'cases.col.age')}</th>
          <th scope="col">{m(l, 'cases.col.last_activity')}</th>
          <th scope="col">{m(l, 'cases.col.waiting')}</th>
          <th scope="col">{m(l, 'cases.col.team')}</th>
          <th scope="col">{m(l, 'cases.col.assignee')}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((c) => (
          <tr key={c.id} data-ref={c.ref}>
            <td>
              <a href={`/staff/cases/${c.ref}?lang=${l}`}>{c.ref}</a>
              {c.overdue ? <strong class="error"> {m(l, 'cases.queue.overdue')}</strong> : null}
              {c.contentVisible ? null : <span> ({m(l, 'cases.queue.metadata_only')})</span>}
            </td>
            <td>{m(l, `cases.urgency.${Math.min(3, Math.max(0, c.urgency))}` as CasesMessageKey)}</td>
            <td>{m(l, `cases.status.${c.status}`)}</td>
            <td>{m(l, `cases.type.${c.applicantType}` as CasesMessageKey)}</td>
            <td>{m(l, 'cases.days', { count: ageDays(c.createdOn, props.today) })}</td>
            <td>{c.lastActivityOn}</td>
            <td>{c.waitingForUs ? m(l, 'cases.yes') : m(l, 'cases.no')}</td>
            <td>{c.teamName ?? '—'}</td>
            <td>{c.assignee ?? m(l, 'cases.unassigned')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function QueuePageView(props: PageFrame & { page: QueuePage; query: QueueQuery; today: string }) {
  const l = props.locale;
  const q = props.query;
  const params = (page: number) => {
    const p = new URLSearchParams({ lang: l });
    for (const [k, v] of Object.entries({
      status: q.status,
      type: q.type,
      country: q.country,
      assignee: q.assignee,
      team: q.team,
      waiting: q.waiting,
    })) {
      if (v !== undefined) p.set(k, v);
    }
    p.set('page', String(page));
    return `/staff/cases?${p.toString()}`;
  };
  const any: [string, string] = ['', m(l, 'cases.any')];
  return (
    <Page {...props} title={m(l, 'cases.queue.title')} path="/staff/cases">
      <form method="get" action="/staff/cases" class="filters" aria-label={m(l, 'cases.filter.title')}>
        <input type="hidden" name="lang" value={l} />
        <Select
          id="f-status"
          name="status"
          label={m(l, 'cases.col.status')}
          value={q.status ?? ''}
          options={[any, ...OPEN_STATUSES.map((s): [string, string] => [s, m(l, `cases.status.${s}`)])]}
        />
        <Select
          id="f-type"
          name="type"
          label={m(l, 'cases.col.type')}
          value={q.type ?? ''}
          options={[any, ...APPLICANT_TYPES.map((s): [string, string] => [s, m(l, `cases.type.${s}`)])]}
        />
        <Field
          id="f-country"
          name="country"
          label={m(l, 'cases.person.country')}
          value={q.country ?? ''}
          locale={l}
        />
        <Select
          id="f-assignee"
          name="assignee"
          label={m(l, 'cases.col.assignee')}
          value={q.assignee ?? ''}
          options={[any, ['me', m(l, 'cases.me')], ['none', m(l, 'cases.unassigned')]]}
        />
        <Select
          id="f-team"
          name="team"
          label={m(l, 'cases.col.team')}
          value={q.team ?? ''}
          options={[any, ...props.page.teams.map((t): [string, string] => [t.id, t.name])]}
        />
        <Select
          id="f-waiting"
          name="waiting"
          label={m(l, 'cases.col.waiting')}
          value={q.waiting ?? ''}
          options={[any, ['1', m(l, 'cases.yes')]]}
        />
        <button type="submit">{m(l, 'cases.filter.apply')}</button>
      </form>
      {props.page.items.length === 0 ? (
        <p>{m(l, 'cases.queue.empty')}</p>
      ) : (
        <QueueTable locale={l} items={props.page.items} today={props.today} />
      )}
      <nav aria-label={m(l, 'cases.queue.page', { page: props.page.page })}>
        {props.page.page > 1 ? <a href={params(props.page.page - 1)}>{m(l, 'cases.queue.prev')}</a> : null}{' '}
        <span>{m(l, 'cases.queue.page', { page: props.page.page })}</span>{' '}
        {props.page.hasNext ? <a href={params(props.page.page + 1)}>{m(l, 'cases.queue.next')}</a> : null}
      </nav>
    </Page>
  );
}

export function SearchPageView(
  props: PageFrame & {
    csrf: string;
    query: string;
    results: QueueItem[] | null;
    today: string;
    limit: number;
  },
) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.search.title')} path="/staff/cases/search">
      {/* POST, never GET: the search term (a phone, a document number) stays out of every URL. */}
      <form method="post" action={`/staff/cases/search?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <Field id="q" name="q" label={m(l, 'cases.search.query')} value={props.query} locale={l} required />
        <p class="notice">{m(l, 'cases.search.hint')}</p>
        <button type="submit">{m(l, 'cases.search.submit')}</button>
      </form>
      {props.results === null ? null : props.results.length === 0 ? (
        <p>{m(l, 'cases.search.none')}</p>
      ) : (
        <>
          <QueueTable locale={l} items={props.results} today={props.today} />
          {props.results.length >= props.limit ? (
            <p class="notice" role="status">
              {m(l, 'cases.search.more', { count: props.limit })}
            </p>
          ) : null}
        </>
      )}
    </Page>
  );
}

export function DuePageView(props: PageFrame & { tasks: DueTask[] }) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.due.title')} path="/staff/cases/due">
      {props.tasks.length === 0 ? (
        <p>{m(l, 'cases.due.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'cases.col.due')}</th>
              <th scope="col">{m(l, 'cases.col.ref')}</th>
              <th scope="col">{m(l, 'cases.col.kind')}</th>
              <th scope="col">{m(l, 'cases.col.task')}</th>
              <th scope="col">{m(l, 'cases.col.assignee')}</th>
            </tr>
          </thead>
          <tbody>
            {props.tasks.map((task) => (
              <tr key={task.id}>
                <td>
                  {task.dueOn}
                  {task.overdue ? <strong class="error"> {m(l, 'cases.queue.overdue')}</strong> : null}
                </td>
                <td>
                  <a href={`/staff/cases/${task.ref}?lang=${l}`}>{task.ref}</a>
                </td>
                <td>{m(l, `cases.task.${task.kind}` as CasesMessageKey)}</td>
                <td>{task.title}</td>
                <td>{task.assignee ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// The case file

/**
 * Where a document is downloaded: the intake module serves the blobs, always as an
 * attachment (decrypted, `Content-Disposition: attachment`, nosniff, never inline), audited.
 */
export function documentHref(ref: string, id: string, locale: Locale, original = false): string {
  return `/staff/intake/cases/${ref}/attachments/${id}?lang=${locale}${original ? '&original=1' : ''}`;
}

function kib(bytes: number): string {
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

function DocumentLink(props: { locale: Locale; caseRef: string; doc: DocumentView }) {
  const l = props.locale;
  const d = props.doc;
  return (
    <>
      <a href={documentHref(props.caseRef, d.id, l)} download={d.name} class="document">
        {d.name}
      </a>{' '}
      <span class="muted">
        ({d.type.replace(/^.*\//, '').toUpperCase()}, {kib(d.size)})
      </span>
      {d.hasOriginal ? (
        <>
          {' · '}
          <a href={documentHref(props.caseRef, d.id, l, true)} download={d.name}>
            {m(l, 'cases.document.download_original')}
          </a>
        </>
      ) : null}
    </>
  );
}

function TimelineEntry(props: { locale: Locale; item: TimelineItem; caseRef: string }) {
  const l = props.locale;
  const it = props.item;
  const who = ('by' in it ? it.by : null) ?? '—';
  switch (it.kind) {
    case 'message':
      return (
        <li class={`message-${it.direction}`}>
          <p>
            <strong>
              {it.direction === 'in'
                ? m(l, 'cases.timeline.message_in')
                : m(l, 'cases.timeline.message_out', { who })}
            </strong>{' '}
            · <time>{it.on}</time>
          </p>
          <p class="body">{it.body}</p>
        </li>
      );
    case 'pathways':
      return <PathwayCheckEntry locale={l} caseRef={it.caseRef} by={it.by} at={it.at} view={it.check} />;
    case 'note':
      return (
        <li class="note">
          <p>
            <strong>{m(l, 'cases.timeline.note', { who })}</strong> · <time>{minute(it.at)}</time>
          </p>
          <p class="body">{it.body}</p>
        </li>
      );
    case 'document':
      return (
        <li class="document">
          <p>
            <strong>
              {it.document.byStaff
                ? m(l, 'cases.timeline.document_staff', { who, name: it.document.name })
                : m(l, 'cases.timeline.document_in', { name: it.document.name })}
            </strong>{' '}
            · <time>{it.on}</time>
          </p>
          <p>
            <DocumentLink locale={l} caseRef={props.caseRef} doc={it.document} />
          </p>
        </li>
      );
    case 'task':
      return (
        <li class="task">
          <p>
            <strong>{m(l, 'cases.timeline.task', { who })}</strong> · <time>{minute(it.at)}</time>
          </p>
          <p>
            {m(l, `cases.task.${it.task.kind}` as CasesMessageKey)}: {it.task.title} ({it.task.dueOn})
          </p>
        </li>
      );
    case 'event': {
      const d = it.detail;
      const status = (s: string | null | undefined) =>
        s !== null && s !== undefined && (CASE_STATUSES as readonly string[]).includes(s)
          ? m(l, `cases.status.${s as (typeof CASE_STATUSES)[number]}`)
          : '—';
      const text =
        it.event === 'status'
          ? m(l, 'cases.timeline.status', { who, from: status(d.from), to: status(d.to) })
          : it.event === 'created'
            ? m(l, 'cases.timeline.created')
            : m(l, `cases.timeline.${it.event}`, { who });
      return (
        <li class="event">
          <p>
            <strong>{text}</strong> · <time>{minute(it.at)}</time>
          </p>
          {d.closingReason ? <p>{m(l, `cases.closing.${d.closingReason}` as CasesMessageKey)}</p> : null}
          {d.reason ? <p class="body">{d.reason}</p> : null}
        </li>
      );
    }
  }
}

export interface CasePageProps extends PageFrame {
  file: CaseFile;
  /** Today's case PDFs are used up: the page offers to ask a second person instead (ADR 0096). */
  pdfQuotaReached: boolean;
  today: string;
  csrf: string;
  teams: Array<{ id: string; name: string }>;
  staff: Array<{ id: string; label: string }>;
  selfId: string;
  accessLog: AccessLogEntry[] | null;
  replyDraft: string;
  templateId: string;
  templateLocale: Locale;
  breakGlassUntil: Date | null;
  errors?: Record<string, string> | undefined;
}

function personLines(items: Array<{ a: string; b: string }>): string {
  return items.map((i) => (i.a === '' ? i.b : `${i.a}: ${i.b}`)).join('\n');
}

export function CasePageView(props: CasePageProps) {
  const l = props.locale;
  const f = props.file;
  const c = f.content;
  const base = `/staff/cases/${f.ref}`;
  const action = (suffix: string) => `${base}/${suffix}?lang=${l}`;
  const version = <input type="hidden" name="version" value={String(f.version)} />;
  const p = c?.person;
  return (
    <Page {...props} title={m(l, 'cases.case.title', { ref: f.ref })} path={base}>
      {f.viaBreakGlass && props.breakGlassUntil !== null ? (
        <p class="alert" role="note">
          {m(l, 'cases.case.break_glass_notice', { until: minute(props.breakGlassUntil) })}
        </p>
      ) : null}
      {f.access === 'metadata' ? <p class="notice">{m(l, 'cases.case.metadata_notice')}</p> : null}
      <section aria-labelledby="summary-h">
        <h2 id="summary-h">{m(l, 'cases.case.summary')}</h2>
        <dl>
          <dt>{m(l, 'cases.col.status')}</dt>
          <dd id="case-status">{m(l, `cases.status.${f.status}`)}</dd>
          {f.closingReason === null ? null : (
            <>
              <dt>{m(l, 'cases.workflow.closing_reason')}</dt>
              <dd>{m(l, `cases.closing.${f.closingReason}`)}</dd>
            </>
          )}
          <dt>{m(l, 'cases.col.urgency')}</dt>
          <dd>{m(l, `cases.urgency.${Math.min(3, Math.max(0, f.urgency))}` as CasesMessageKey)}</dd>
          <dt>{m(l, 'cases.col.type')}</dt>
          <dd>{m(l, `cases.type.${f.applicantType}` as CasesMessageKey)}</dd>
          <dt>{m(l, 'cases.col.country')}</dt>
          <dd>{f.country ?? '—'}</dd>
          <dt>{m(l, 'cases.col.age')}</dt>
          <dd>{m(l, 'cases.days', { count: ageDays(f.createdOn, props.today) })}</dd>
          <dt>{m(l, 'cases.col.team')}</dt>
          <dd id="case-team">{f.team?.name ?? '—'}</dd>
          <dt>{m(l, 'cases.col.assignee')}</dt>
          <dd id="case-assignee">{f.assignee?.label ?? m(l, 'cases.unassigned')}</dd>
        </dl>
        {f.pendingApproval === null ? null : (
          <p class="notice">
            {m(l, 'cases.case.pending_approval', { who: f.pendingApproval.requestedBy ?? '—' })}
          </p>
        )}
        {c === null ? null : (
          <p>
            {props.pdfQuotaReached ? null : (
              <>
                <a href={`${base}/summary.pdf?lang=${l}`} download>
                  {m(l, 'cases.case.export_pdf')}
                </a>{' '}
                ·{' '}
              </>
            )}
            <a href={`${base}/pathways?lang=${l}`}>{casePathwaysMessages(l, 'case_pathways.link')}</a>
          </p>
        )}
        {c === null || !props.pdfQuotaReached ? null : (
          <form method="post" action={`${base}/summary.pdf/request?lang=${l}`} class="stack">
            <CsrfField token={props.csrf} />
            <p class="notice">{m(l, 'cases.case.pdf_quota')}</p>
            <button type="submit">{m(l, 'cases.case.pdf_request')}</button>
          </form>
        )}
      </section>

      {f.canBreakGlass ? (
        <section aria-labelledby="bg-h">
          <h2 id="bg-h">{m(l, 'cases.bg.title')}</h2>
          <BreakGlassForm locale={l} csrf={props.csrf} refValue={f.ref} errors={props.errors} />
        </section>
      ) : null}

      {f.canWrite || f.canAssignOthers ? (
        <section aria-labelledby="assign-h">
          <h2 id="assign-h">{m(l, 'cases.assign.title')}</h2>
          <form method="post" action={action('assign')} class="stack">
            <CsrfField token={props.csrf} />
            {version}
            <Select
              id="assign-team"
              name="teamId"
              label={m(l, 'cases.assign.team')}
              value={f.team?.id ?? ''}
              options={[['', '—'], ...props.teams.map((t): [string, string] => [t.id, t.name])]}
            />
            <Select
              id="assign-person"
              name="assigneeId"
              label={m(l, 'cases.assign.assignee')}
              value={f.assignee?.id ?? ''}
              options={[
                ['', '—'],
                ...(f.canAssignOthers
                  ? props.staff.map((s): [string, string] => [s.id, s.label])
                  : props.staff
                      .filter((s) => s.id === props.selfId)
                      .map((s): [string, string] => [s.id, s.label])),
              ]}
            />
            <button type="submit">{m(l, 'cases.assign.take')}</button>
          </form>
        </section>
      ) : null}

      {f.allowedTransitions.length > 0 ? (
        <section aria-labelledby="status-h">
          <h2 id="status-h">{m(l, 'cases.workflow.title')}</h2>
          <form method="post" action={action('status')} class="stack">
            <CsrfField token={props.csrf} />
            {version}
            <Select
              id="status-to"
              name="to"
              label={m(l, 'cases.workflow.to')}
              value=""
              options={f.allowedTransitions.map((s): [string, string] => [s, m(l, `cases.status.${s}`)])}
            />
            {props.errors?.to === undefined ? null : (
              <span class="error" id="status-to-error">
                {msg(l, props.errors.to)}
              </span>
            )}
            <Select
              id="status-closing"
              name="closingReason"
              label={m(l, 'cases.workflow.closing_reason')}
              value=""
              options={[
                ['', '—'],
                ...CLOSING_REASONS.map((r): [string, string] => [r, m(l, `cases.closing.${r}`)]),
              ]}
            />
            <Field id="status-reason" name="reason" label={m(l, 'cases.workflow.reason')} locale={l} />
            <button type="submit">{m(l, 'cases.workflow.apply')}</button>
          </form>
        </section>
      ) : null}

      {c === null || p === undefined ? null : (
        <>
          <section aria-labelledby="story-h">
            <h2 id="story-h">{m(l, 'cases.case.story')}</h2>
            <p class="body" id="case-story">
              {c.story}
            </p>
          </section>

          <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">{m(l, 'cases.case.timeline')}</h2>
            {c.timeline.length === 0 ? (
              <p>{m(l, 'cases.case.no_timeline')}</p>
            ) : (
              <ol class="timeline">
                {c.timeline.map((item) => (
                  <TimelineEntry locale={l} item={item} caseRef={f.ref} key={`${item.kind}-${item.seq}`} />
                ))}
              </ol>
            )}
          </section>

          <section aria-labelledby="documents-h">
            <h2 id="documents-h">{m(l, 'cases.case.documents')}</h2>
            {c.documents.length === 0 ? (
              <p>{m(l, 'cases.document.none')}</p>
            ) : (
              <ul id="case-documents">
                {c.documents.map((d) => (
                  <li key={d.id}>
                    <time>{d.on}</time> · <DocumentLink locale={l} caseRef={f.ref} doc={d} /> ·{' '}
                    {d.byStaff
                      ? m(l, 'cases.document.by_staff', { who: d.uploadedBy ?? '—' })
                      : m(l, 'cases.document.by_applicant')}
                  </li>
                ))}
              </ul>
            )}
            {f.canWrite ? (
              <form
                method="post"
                action={`/staff/intake/cases/${f.ref}/attachments?lang=${l}`}
                enctype="multipart/form-data"
                class="stack"
              >
                {/* The CSRF field comes first: the server checks it before reading the file. */}
                <CsrfField token={props.csrf} />
                <div>
                  <label for="document-file">{m(l, 'cases.document.upload')}</label>
                  <input
                    id="document-file"
                    name="file"
                    type="file"
                    accept="image/jpeg,image/png,application/pdf"
                    required
                    aria-describedby="document-hint"
                  />
                  <p id="document-hint" class="muted">
                    {m(l, 'cases.document.upload_hint')}
                  </p>
                </div>
                <button type="submit">{m(l, 'cases.document.upload_submit')}</button>
              </form>
            ) : null}
          </section>

          {f.canWrite ? (
            <section aria-labelledby="reply-h">
              <h2 id="reply-h">{m(l, 'cases.reply.title')}</h2>
              <form method="get" action={base} class="stack">
                <input type="hidden" name="lang" value={l} />
                <Select
                  id="template"
                  name="template"
                  label={m(l, 'cases.reply.template')}
                  value={props.templateId}
                  options={REPLY_TEMPLATES.map((tpl): [string, string] => [tpl.id, tpl.title[l]])}
                />
                <Select
                  id="template-lang"
                  name="tlang"
                  label={m(l, 'cases.reply.template_language')}
                  value={props.templateLocale}
                  options={LOCALES.map((x): [string, string] => [x, t(x, 'lang.name')])}
                />
                <button type="submit">{m(l, 'cases.reply.use_template')}</button>
              </form>
              <form method="post" action={action('replies')} class="stack">
                <CsrfField token={props.csrf} />
                <Field
                  id="reply-body"
                  name="body"
                  label={m(l, 'cases.reply.title')}
                  value={props.replyDraft}
                  multiline
                  rows={6}
                  required
                  locale={l}
                  errors={props.errors}
                />
                <button type="submit">{m(l, 'cases.reply.send')}</button>
              </form>
              <form method="post" action={action('notes')} class="stack">
                <CsrfField token={props.csrf} />
                <Field
                  id="note-body"
                  name="body"
                  label={m(l, 'cases.note.title')}
                  multiline
                  required
                  locale={l}
                />
                <button type="submit">{m(l, 'cases.note.add')}</button>
              </form>
            </section>
          ) : null}

          <section aria-labelledby="tasks-h">
            <h2 id="tasks-h">{m(l, 'cases.case.tasks')}</h2>
            {c.tasks.length === 0 ? (
              <p>{m(l, 'cases.case.no_tasks')}</p>
            ) : (
              <ul>
                {c.tasks.map((task) => (
                  <li key={task.id}>
                    <time>{task.dueOn}</time> · {m(l, `cases.task.${task.kind}` as CasesMessageKey)}:{' '}
                    {task.title}
                    {task.assignee === null ? null : ` (${task.assignee})`}
                    {task.overdue ? <strong class="error"> {m(l, 'cases.queue.overdue')}</strong> : null}
                    {task.done ? (
                      <span class="ok"> {m(l, 'cases.task.done')}</span>
                    ) : f.canWrite ? (
                      <form method="post" action={action(`tasks/${task.id}/done`)} class="inline">
                        <CsrfField token={props.csrf} />{' '}
                        <button type="submit" aria-label={`${m(l, 'cases.task.mark_done')}: ${task.title}`}>
                          {m(l, 'cases.task.mark_done')}
                        </button>
                      </form>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            {f.canWrite ? (
              <form method="post" action={action('tasks')} class="stack">
                <CsrfField token={props.csrf} />
                <h3>{m(l, 'cases.task.title')}</h3>
                <Select
                  id="task-kind"
                  name="kind"
                  label={m(l, 'cases.task.kind')}
                  value="other"
                  options={TASK_KINDS.map((k): [string, string] => [k, m(l, `cases.task.${k}`)])}
                />
                <Field
                  id="task-title"
                  name="title"
                  label={m(l, 'cases.task.text')}
                  required
                  locale={l}
                  errors={props.errors}
                />
                <Field
                  id="task-due"
                  name="dueOn"
                  type="date"
                  label={m(l, 'cases.task.due')}
                  required
                  locale={l}
                  errors={props.errors}
                />
                <Select
                  id="task-assignee"
                  name="assigneeId"
                  label={m(l, 'cases.task.assignee')}
                  value={props.selfId}
                  options={[['', '—'], ...props.staff.map((s): [string, string] => [s.id, s.label])]}
                />
                <button type="submit">{m(l, 'cases.task.add')}</button>
              </form>
            ) : null}
          </section>

          <section aria-labelledby="details-h">
            <h2 id="details-h">{m(l, 'cases.case.details')}</h2>
            <form method="post" action={action('person')} class="stack">
              <CsrfField token={props.csrf} />
              {version}
              {(
                [
                  'familyName',
                  'givenName',
                  'patronymic',
                  'familyNameLatin',
                  'givenNameLatin',
                  'birthDate',
                  'phone',
                  'location',
                ] as const
              ).map((name) => (
                <Field
                  key={name}
                  id={`person-${name}`}
                  name={name}
                  label={m(l, `cases.person.${name}`)}
                  value={p[name] ?? ''}
                  locale={l}
                  errors={props.errors}
                />
              ))}
              <Field
                id="person-country"
                name="country"
                label={m(l, 'cases.person.country')}
                value={f.country ?? ''}
                locale={l}
                errors={props.errors}
              />
              <Select
                id="person-type"
                name="applicantType"
                label={m(l, 'cases.person.applicantType')}
                value={f.applicantType}
                options={APPLICANT_TYPES.map((x): [string, string] => [x, m(l, `cases.type.${x}`)])}
              />
              <Select
                id="person-urgency"
                name="urgency"
                label={m(l, 'cases.person.urgency')}
                value={String(f.urgency)}
                options={[0, 1, 2, 3].map((u): [string, string] => [
                  String(u),
                  m(l, `cases.urgency.${u}` as CasesMessageKey),
                ])}
              />
              <Field
                id="person-documents"
                name="documents"
                label={m(l, 'cases.person.documents')}
                value={personLines(p.documents.map((d) => ({ a: d.type, b: d.number })))}
                multiline
                locale={l}
                errors={props.errors}
              />
              <Field
                id="person-family"
                name="family"
                label={m(l, 'cases.person.family')}
                value={personLines(p.family.map((x) => ({ a: x.relation, b: x.name })))}
                multiline
                locale={l}
                errors={props.errors}
              />
              {f.canWrite ? <button type="submit">{m(l, 'cases.case.save')}</button> : null}
            </form>
          </section>

          <section aria-labelledby="answers-h">
            <h2 id="answers-h">{m(l, 'cases.case.answers')}</h2>
            <form method="post" action={action('intake')} class="stack">
              <CsrfField token={props.csrf} />
              {version}
              <p>{m(l, 'cases.case.answers_hint')}</p>
              <Field
                id="intake-answers"
                name="answers"
                label={m(l, 'cases.case.answers')}
                value={Object.entries(c.answers)
                  .map(([q, a]) => `${q}: ${a}`)
                  .join('\n')}
                multiline
                rows={6}
                locale={l}
              />
              {f.canWrite ? <button type="submit">{m(l, 'cases.case.save')}</button> : null}
            </form>
          </section>
        </>
      )}

      {props.accessLog === null ? null : (
        <section aria-labelledby="access-h">
          <h2 id="access-h">{m(l, 'cases.case.access_log')}</h2>
          <AccessLogTable locale={l} entries={props.accessLog} />
          <p>
            <a href={`${base}/access-log?lang=${l}`}>{m(l, 'cases.case.access_log')}</a>
          </p>
        </section>
      )}
      <p class="muted">{m(l, 'cases.case.version', { version: f.version })}</p>
    </Page>
  );
}

function AccessLogTable(props: { locale: Locale; entries: AccessLogEntry[] }) {
  const l = props.locale;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{m(l, 'cases.col.when')}</th>
          <th scope="col">{m(l, 'cases.col.who')}</th>
          <th scope="col">{m(l, 'cases.col.what')}</th>
          <th scope="col">{m(l, 'cases.col.why')}</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e, i) => (
          <tr key={String(i)}>
            <td>{minute(e.at)}</td>
            <td>{e.who}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
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

function BreakGlassForm(props: {
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
      {props.items.length === 0 ? (
        <p>{m(l, 'cases.bg.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'cases.col.when')}</th>
              <th scope="col">{m(l, 'cases.col.staff')}</th>
              <th scope="col">{m(l, 'cases.col.ref')}</th>
              <th scope="col">{m(l, 'cases.col.why')}</th>
              <th scope="col">{m(l, 'cases.col.expires')}</th>
              <th scope="col">{m(l, 'cases.col.review')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((g) => (
              <tr key={g.id} data-grant={g.id}>
                <td>{minute(g.grantedAt)}</td>
                <td>{g.staff}</td>
                <td>
                  <a href={`/staff/cases/${g.ref}/access-log?lang=${l}`}>{g.ref}</a>
                </td>
                <td>{g.reason}</td>
                <td>
                  {minute(g.expiresAt)} ({g.active ? m(l, 'cases.bg.active') : m(l, 'cases.bg.expired')})
                </td>
                <td>
                  {g.reviewedAt !== null ? (
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
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
      {props.anomalies.length === 0 ? (
        <p>{m(l, 'cases.anomaly.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'cases.col.staff')}</th>
              <th scope="col">{m(l, 'cases.col.rule')}</th>
              <th scope="col">{m(l, 'cases.col.count')}</th>
              <th scope="col">{m(l, 'cases.col.threshold')}</th>
            </tr>
          </thead>
          <tbody>
            {props.anomalies.map((a) => (
              <tr key={`${a.rule}-${a.staffId}`}>
                <td>{a.staff}</td>
                <td>{m(l, `cases.anomaly.rule.${a.rule}`)}</td>
                <td>{a.count}</td>
                <td>{a.threshold}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
          </h2>
          <p>
            {m(l, 'cases.teams.members')}: {team.members.map((x) => x.label).join(', ') || '—'}
          </p>
          <form method="post" action={`/staff/cases/teams/${team.id}/members?lang=${l}`} class="stack">
            <CsrfField token={props.csrf} />
            <Select
              id={`member-${team.id}`}
              name="staffId"
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
        <button type="submit">{m(l, 'cases.teams.create')}</button>
      </form>
    </Page>
  );
}

export function WorkloadPageView(props: PageFrame & { rows: WorkloadRow[] }) {
  const l = props.locale;
  return (
    <Page {...props} title={m(l, 'cases.workload.title')} path="/staff/cases/workload">
      <table>
        <thead>
          <tr>
            <th scope="col">{m(l, 'cases.col.staff')}</th>
            <th scope="col">{m(l, 'cases.col.role')}</th>
            <th scope="col">{m(l, 'cases.col.open_cases')}</th>
            <th scope="col">{m(l, 'cases.col.open_tasks')}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.staffId}>
              <td>
                <a href={`/staff/cases?lang=${l}&assignee=${r.staffId}`}>{r.label}</a>
              </td>
              <td>{t(l, `role.${r.role}` as MessageKey)}</td>
              <td>{r.openCases}</td>
              <td>{r.openTasks}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
      {props.items.length === 0 ? (
        <p>{m(l, 'cases.approvals.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'cases.col.when')}</th>
              <th scope="col">{m(l, 'cases.col.kind')}</th>
              <th scope="col">{m(l, 'cases.col.ref')}</th>
              <th scope="col">{m(l, 'cases.col.requested_by')}</th>
              <th scope="col">{m(l, 'cases.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((a) => (
              <tr key={a.id} data-approval={a.id}>
                <td>{minute(a.requestedAt)}</td>
                <td>{m(l, `cases.approvals.kind.${a.kind}`)}</td>
                <td>{a.ref === null ? '—' : <a href={`/staff/cases/${a.ref}?lang=${l}`}>{a.ref}</a>}</td>
                <td>{a.requestedBy}</td>
                <td>
                  {m(l, `cases.approvals.status.${a.status}` as CasesMessageKey)}
                  {a.decidedBy === null ? null : ` (${a.decidedBy})`}
                  {a.canDecide ? (
                    <>
                      <form
                        method="post"
                        action={`/staff/cases/approvals/${a.id}/approve?lang=${l}`}
                        class="inline"
                      >
                        <CsrfField token={props.csrf} />{' '}
                        <button type="submit">{m(l, 'cases.approvals.approve')}</button>
                      </form>
                      <form
                        method="post"
                        action={`/staff/cases/approvals/${a.id}/reject?lang=${l}`}
                        class="inline"
                      >
                        <CsrfField token={props.csrf} />{' '}
                        <button type="submit" class="danger">
                          {m(l, 'cases.approvals.reject')}
                        </button>
                      </form>
                    </>
                  ) : null}
                  {a.mine &&
                  (a.kind === 'bulk_export' || a.kind === 'case_pdf') &&
                  a.status === 'approved' ? (
                    <>
                      {' '}
                      <a href={`/staff/cases/exports/${a.id}?lang=${l}`} download>
                        {m(l, 'cases.approvals.download')}
                      </a>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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

export { day };
