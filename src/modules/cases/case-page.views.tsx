import { CsrfField } from '../../platform/html.tsx';
import { LOCALES, type Locale, t } from '../../platform/i18n/index.ts';
import {
  type AccessLogEntry,
  AccessLogTable,
  ageDays,
  BreakGlassForm,
  Field,
  minute,
  Page,
  type PageFrame,
  Select,
} from '../case-access/index.ts';
import { caseAnswersViews, casePageLinks, casePageNotices } from './case-extensions.ts';
import type { CaseFile } from './case-file.service.ts';
import { DocumentLink, TimelineEntry } from './case-timeline.views.tsx';
import { CLOSING_REASONS } from './case-workflow.ts';
import { type CasesMessageKey, casesMessages as m } from './cases.messages.ts';
import { APPLICANT_TYPES, TASK_KINDS } from './cases.schemas.ts';
import { REPLY_TEMPLATES } from './cases.templates.ts';

/**
 * Views of the workspace. Every value shown is chosen from the presenters' allow-listed
 * fields and escaped by the renderer: a story or message holding HTML shows as text.
 * No script: every action is a plain form, so the pages work with the keyboard alone.
 */

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
      {casePageNotices().map((notice) => notice(l, { restricted: f.restricted }))}
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
            {casePageLinks().map((link) => link(l, base))}
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
              locale={l}
              label={m(l, 'cases.assign.team')}
              value={f.team?.id ?? ''}
              options={[['', '—'], ...props.teams.map((t): [string, string] => [t.id, t.name])]}
            />
            <Select
              id="assign-person"
              name="assigneeId"
              locale={l}
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
              locale={l}
              label={m(l, 'cases.workflow.to')}
              value=""
              options={f.allowedTransitions.map((s): [string, string] => [s, m(l, `cases.status.${s}`)])}
              errors={props.errors}
            />
            <Select
              id="status-closing"
              name="closingReason"
              locale={l}
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
                  locale={l}
                  label={m(l, 'cases.reply.template')}
                  value={props.templateId}
                  options={REPLY_TEMPLATES.map((tpl): [string, string] => [tpl.id, tpl.title[l]])}
                />
                <Select
                  id="template-lang"
                  name="tlang"
                  locale={l}
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
                  locale={l}
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
                  idPrefix="task-"
                  type="date"
                  label={m(l, 'cases.task.due')}
                  required
                  locale={l}
                  errors={props.errors}
                />
                <Select
                  id="task-assignee"
                  name="assigneeId"
                  locale={l}
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
                locale={l}
                label={m(l, 'cases.person.applicantType')}
                value={f.applicantType}
                options={APPLICANT_TYPES.map((x): [string, string] => [x, m(l, `cases.type.${x}`)])}
              />
              <Select
                id="person-urgency"
                name="urgency"
                locale={l}
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
            {caseAnswersViews().map((view) => view(l, c.answers))}
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
