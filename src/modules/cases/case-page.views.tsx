import { CsrfField } from '../../platform/html.tsx';
import { LOCALES, type Locale, messageFor, t } from '../../platform/i18n/index.ts';
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
import { PostForm, Section } from '../../platform/ui/index.ts';
import { caseAnswersViews, casePageLinks, casePageNotices, splitCaseAnswers } from './case-extensions.ts';
import type { CaseFile } from './case-file.service.ts';
import { DocumentLink, TimelineEntry } from './case-timeline.views.tsx';
import { CLOSING_REASONS } from './case-workflow.ts';
import { type CasesMessageKey, casesMessages as m } from './cases.messages.ts';
import { caseFileMessages as cf } from './case-file.messages.ts';
import {
  APPLICANT_TYPES,
  DOCUMENT_TYPES,
  type IdentityDocument,
  isDocumentType,
  type PersonDetails,
  TASK_KINDS,
} from './cases.schemas.ts';
import { REPLY_TEMPLATES } from './cases.templates.ts';

/**
 * Views of the workspace. Every value shown is chosen from the presenters' allow-listed
 * fields and escaped by the renderer: a story or message holding HTML shows as text.
 * No script: every action is a plain form, so the pages work with the keyboard alone.
 *
 * The case file (issue 21 item 1): a header with the person's name (only with content
 * access), status, urgency, assignee, what is due and links to the main actions; then, on a
 * wide screen, the conversation (reply box, timeline) beside the side panel (status,
 * assignment, tasks, person and identity documents, files, intake answers), one column on a
 * phone. Every section an action returns to has an id (`#reply`, `#tasks`, `#person`…), and
 * the routes redirect there. The document title stays "Case <ref>": a browser's history on a
 * staff laptop never holds a name.
 */

/** The reply draft's progressive enhancement (ADR 0181), served from our origin. */
export const CASE_DRAFT_SCRIPT = '/assets/staff-case-draft.js';

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
  /** What the reply box held when a failed send re-renders the page (else the saved draft). */
  replyDraft?: string | undefined;
  templateId: string;
  templateLocale: Locale;
  breakGlassUntil: Date | null;
  errors?: Record<string, string> | undefined;
}

function personLines(items: Array<{ a: string; b: string }>): string {
  return items.map((i) => (i.a === '' ? i.b : `${i.a}: ${i.b}`)).join('\n');
}

/** The person's name as the reader sees it (content access only): native, then Latin. */
export function personName(p: PersonDetails): string | null {
  const native = [p.familyName, p.givenName, p.patronymic].filter((x) => x !== undefined).join(' ');
  const latin = [p.givenNameLatin, p.familyNameLatin].filter((x) => x !== undefined).join(' ');
  if (native === '' && latin === '') return null;
  if (native === '') return latin;
  return latin === '' ? native : `${native} (${latin})`;
}

/** An identity document's type as read: its translated kind, or the free text written before (ADR 0182). */
function documentTypeLabel(l: Locale, type: string): string {
  if (isDocumentType(type)) return cf(l, `casefile.idtype.${type}`);
  return type === '' ? cf(l, 'casefile.idtype.other') : cf(l, 'casefile.id.as_written', { text: type });
}

/** One row of the identity documents (an existing one, or the empty row to add one). */
function DocumentRow(props: { locale: Locale; index: number; doc: IdentityDocument | null; today: string }) {
  const l = props.locale;
  const d = props.doc;
  const id = (name: string) => `doc-${props.index}-${name}`;
  const expired = d?.validUntil !== undefined && d.validUntil < props.today;
  const types: Array<[string, string]> = DOCUMENT_TYPES.map((x) => [x, cf(l, `casefile.idtype.${x}`)]);
  // An entry written as free text keeps its text as an option, so saving the form keeps it.
  if (d !== null && !isDocumentType(d.type)) types.unshift([d.type, documentTypeLabel(l, d.type)]);
  return (
    <fieldset class="id-doc">
      <legend>
        {d === null ? cf(l, 'casefile.id.new') : cf(l, 'casefile.id.legend', { n: props.index + 1 })}
        {expired ? <strong class="error"> · {cf(l, 'casefile.id.expired')}</strong> : null}
      </legend>
      <div>
        <label for={id('type')}>{cf(l, 'casefile.id.type')}</label>
        <select id={id('type')} name="docType">
          {types.map(([value, label]) => (
            <option value={value} selected={value === (d?.type ?? 'internal_passport')} key={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for={id('number')}>{cf(l, 'casefile.id.number')}</label>
        <input id={id('number')} name="docNumber" value={d?.number ?? ''} maxlength={60} autocomplete="off" />
      </div>
      <div>
        <label for={id('country')}>{cf(l, 'casefile.id.country')}</label>
        <input
          id={id('country')}
          name="docCountry"
          value={d?.country ?? ''}
          maxlength={2}
          pattern="[A-Za-z]{2}"
          autocomplete="off"
        />
      </div>
      <div>
        <label for={id('issued')}>{cf(l, 'casefile.id.issued')}</label>
        <input id={id('issued')} name="docIssued" type="date" value={d?.issuedOn ?? ''} />
      </div>
      <div>
        <label for={id('until')}>{cf(l, 'casefile.id.until')}</label>
        <input id={id('until')} name="docUntil" type="date" value={d?.validUntil ?? ''} />
      </div>
    </fieldset>
  );
}

export function CasePageView(props: CasePageProps) {
  const l = props.locale;
  const f = props.file;
  const c = f.content;
  const base = `/staff/cases/${f.ref}`;
  const action = (suffix: string, anchor: string) => `${base}/${suffix}?lang=${l}#${anchor}`;
  const version = <input type="hidden" name="version" value={String(f.version)} />;
  const p = c?.person;
  const name = p === undefined ? null : personName(p);
  const openTasks = c?.tasks.filter((task) => !task.done) ?? [];
  const overdue = openTasks.filter((task) => task.overdue).length;
  const nextDue = openTasks.map((task) => task.dueOn).sort()[0];
  return (
    <Page {...props} title={m(l, 'cases.case.title', { ref: f.ref })} path={base}>
      {casePageNotices().map((notice) => notice(l, { restricted: f.restricted }))}
      {f.viaBreakGlass && props.breakGlassUntil !== null ? (
        <p class="alert" role="note">
          {m(l, 'cases.case.break_glass_notice', { until: minute(props.breakGlassUntil) })}
        </p>
      ) : null}
      {f.access === 'metadata' ? <p class="notice">{m(l, 'cases.case.metadata_notice')}</p> : null}

      <section aria-labelledby="summary-h" id="case-head" class="case-head">
        <h2 id="summary-h" class="visually-hidden">
          {m(l, 'cases.case.summary')}
        </h2>
        {p === undefined ? null : (
          <p class="case-person" id="case-person">
            {name ?? <span class="muted">{cf(l, 'casefile.name_unknown')}</span>}
            {p.birthDate === undefined ? null : (
              <span class="muted"> · {cf(l, 'casefile.born', { date: p.birthDate })}</span>
            )}
          </p>
        )}
        <dl class="case-facts">
          <div>
            <dt>{m(l, 'cases.col.status')}</dt>
            <dd id="case-status">{m(l, `cases.status.${f.status}`)}</dd>
          </div>
          {f.closingReason === null ? null : (
            <div>
              <dt>{m(l, 'cases.workflow.closing_reason')}</dt>
              <dd>{m(l, `cases.closing.${f.closingReason}`)}</dd>
            </div>
          )}
          <div>
            <dt>{m(l, 'cases.col.urgency')}</dt>
            <dd id="case-urgency" class={f.urgency >= 2 ? 'error' : undefined}>
              {m(l, `cases.urgency.${Math.min(3, Math.max(0, f.urgency))}` as CasesMessageKey)}
            </dd>
          </div>
          <div>
            <dt>{m(l, 'cases.col.assignee')}</dt>
            <dd id="case-assignee">{f.assignee?.label ?? m(l, 'cases.unassigned')}</dd>
          </div>
          <div>
            <dt>{m(l, 'cases.col.team')}</dt>
            <dd id="case-team">{f.team?.name ?? '—'}</dd>
          </div>
          {c === null ? null : (
            <div>
              <dt>{m(l, 'cases.case.tasks')}</dt>
              <dd id="case-due">
                {nextDue === undefined
                  ? cf(l, 'casefile.nothing_due')
                  : cf(l, 'casefile.due', { date: nextDue })}
                {overdue > 0 ? (
                  <strong class="error"> · {cf(l, 'casefile.overdue', { count: overdue })}</strong>
                ) : null}
              </dd>
            </div>
          )}
          <div>
            <dt>{m(l, 'cases.col.type')}</dt>
            <dd>{m(l, `cases.type.${f.applicantType}` as CasesMessageKey)}</dd>
          </div>
          <div>
            <dt>{m(l, 'cases.col.country')}</dt>
            <dd>{f.country ?? '—'}</dd>
          </div>
          <div>
            <dt>{m(l, 'cases.col.age')}</dt>
            <dd>{m(l, 'cases.days', { count: ageDays(f.createdOn, props.today) })}</dd>
          </div>
        </dl>
        <nav aria-label={cf(l, 'casefile.actions')} class="case-actions">
          {c !== null && f.canWrite ? <a href="#reply">{cf(l, 'casefile.go_reply')}</a> : null}
          {c !== null && f.canWrite ? <a href="#tasks">{cf(l, 'casefile.go_task')}</a> : null}
          {f.allowedTransitions.length > 0 ? <a href="#status">{cf(l, 'casefile.go_status')}</a> : null}
          {c !== null ? <a href="#person">{cf(l, 'casefile.go_person')}</a> : null}
          {c === null || props.pdfQuotaReached ? null : (
            <a href={`${base}/summary.pdf?lang=${l}`} download>
              {m(l, 'cases.case.export_pdf')}
            </a>
          )}
          {c === null ? null : casePageLinks().map((link) => link(l, base))}
        </nav>
        {f.pendingApproval === null ? null : (
          <p class="notice">
            {m(l, 'cases.case.pending_approval', { who: f.pendingApproval.requestedBy ?? '—' })}
          </p>
        )}
        {c === null || !props.pdfQuotaReached ? null : (
          <PostForm action={`${base}/summary.pdf/request?lang=${l}`} csrf={props.csrf}>
            <p class="notice">{m(l, 'cases.case.pdf_quota')}</p>
            <button type="submit">{m(l, 'cases.case.pdf_request')}</button>
          </PostForm>
        )}
      </section>

      {f.canBreakGlass ? (
        <Section headingId="bg-h" title={m(l, 'cases.bg.title')}>
          <BreakGlassForm locale={l} csrf={props.csrf} refValue={f.ref} errors={props.errors} />
        </Section>
      ) : null}

      <div class="case-grid">
        {c === null ? null : (
          <div class="case-main">
            {f.canWrite ? (
              <Section headingId="reply-h" title={m(l, 'cases.reply.title')} id="reply">
                <PostForm
                  action={action('replies', 'reply')}
                  csrf={props.csrf}
                  class="stack wide"
                  id="reply-form"
                >
                  <Field
                    id="reply-body"
                    name="body"
                    label={m(l, 'cases.reply.title')}
                    value={props.replyDraft ?? c.replyDraft}
                    multiline
                    rows={8}
                    required
                    locale={l}
                    errors={props.errors}
                  />
                  <p class="hint" id="reply-hint">
                    {cf(l, 'casefile.reply.hint')}
                  </p>
                  <div class="row">
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
                  </div>
                  <div class="row buttons">
                    <button type="submit">{m(l, 'cases.reply.send')}</button>
                    {(['insert', 'save'] as const).map((op) => (
                      <button
                        type="submit"
                        class="secondary"
                        name="op"
                        value={op}
                        formaction={action('reply-draft', 'reply')}
                        formnovalidate
                        id={`reply-${op}`}
                        key={op}
                      >
                        {cf(l, `casefile.reply.${op}`)}
                      </button>
                    ))}
                  </div>
                </PostForm>
                <PostForm action={action('notes', 'note')} csrf={props.csrf} class="stack wide" id="note">
                  <Field
                    id="note-body"
                    name="body"
                    label={m(l, 'cases.note.title')}
                    multiline
                    required
                    locale={l}
                  />
                  <button type="submit">{m(l, 'cases.note.add')}</button>
                </PostForm>
              </Section>
            ) : null}

            <Section headingId="timeline-h" title={m(l, 'cases.case.timeline')} id="timeline">
              {c.timeline.length === 0 ? (
                <p>{m(l, 'cases.case.no_timeline')}</p>
              ) : (
                // Newest first: the latest message is next to the reply box.
                <ol class="timeline" reversed>
                  {[...c.timeline].reverse().map((item) => (
                    <TimelineEntry locale={l} item={item} caseRef={f.ref} key={`${item.kind}-${item.seq}`} />
                  ))}
                </ol>
              )}
            </Section>

            <Section headingId="story-h" title={m(l, 'cases.case.story')} id="story">
              <p class="body" id="case-story">
                {c.story}
              </p>
            </Section>
          </div>
        )}

        <div class="case-side">
          {f.allowedTransitions.length > 0 ? (
            <Section headingId="status-h" title={m(l, 'cases.workflow.title')} id="status">
              <PostForm action={action('status', 'case-head')} csrf={props.csrf}>
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
              </PostForm>
            </Section>
          ) : null}

          {f.canWrite || f.canAssignOthers ? (
            <Section headingId="assign-h" title={m(l, 'cases.assign.title')} id="assign">
              <PostForm action={action('assign', 'case-head')} csrf={props.csrf}>
                {version}
                <Select
                  id="assign-team"
                  name="teamId"
                  locale={l}
                  label={m(l, 'cases.assign.team')}
                  value={f.team?.id ?? ''}
                  options={[['', '—'], ...props.teams.map((x): [string, string] => [x.id, x.name])]}
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
              </PostForm>
            </Section>
          ) : null}

          {c === null || p === undefined ? null : (
            <>
              <Section headingId="tasks-h" title={m(l, 'cases.case.tasks')} id="tasks">
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
                          <form
                            method="post"
                            action={action(`tasks/${task.id}/done`, 'tasks')}
                            class="inline"
                          >
                            <CsrfField token={props.csrf} />{' '}
                            <button
                              type="submit"
                              aria-label={`${m(l, 'cases.task.mark_done')}: ${task.title}`}
                            >
                              {m(l, 'cases.task.mark_done')}
                            </button>
                          </form>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
                {f.canWrite ? (
                  <PostForm action={action('tasks', 'tasks')} csrf={props.csrf}>
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
                  </PostForm>
                ) : null}
              </Section>

              <Section headingId="details-h" title={m(l, 'cases.case.details')} id="person">
                <PostForm action={action('person', 'person')} csrf={props.csrf}>
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
                  ).map((field) => (
                    <Field
                      key={field}
                      id={`person-${field}`}
                      name={field}
                      label={m(l, `cases.person.${field}`)}
                      value={p[field] ?? ''}
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
                  <fieldset
                    id="person-documents"
                    aria-describedby={`person-documents-hint${props.errors?.documents === undefined ? '' : ' documents-error'}`}
                  >
                    <legend>{cf(l, 'casefile.ids')}</legend>
                    <p class="hint" id="person-documents-hint">
                      {p.documents.length === 0 ? `${cf(l, 'casefile.id.none')} ` : ''}
                      {cf(l, 'casefile.ids_hint')}
                    </p>
                    {props.errors?.documents === undefined ? null : (
                      <p class="error" id="documents-error">
                        {messageFor(l, props.errors.documents)}
                      </p>
                    )}
                    {p.documents.map((d, i) => (
                      <DocumentRow locale={l} index={i} doc={d} today={props.today} key={`doc-${i}`} />
                    ))}
                    {p.documents.length < 20 ? (
                      <DocumentRow locale={l} index={p.documents.length} doc={null} today={props.today} />
                    ) : null}
                  </fieldset>
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
                </PostForm>
              </Section>

              <Section headingId="documents-h" title={m(l, 'cases.case.documents')} id="documents">
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
                  // PostForm puts the CSRF field first: the server checks it before reading the file.
                  <PostForm
                    action={`/staff/intake/cases/${f.ref}/attachments?lang=${l}`}
                    csrf={props.csrf}
                    enctype="multipart/form-data"
                  >
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
                  </PostForm>
                ) : null}
              </Section>

              <Section headingId="answers-h" title={m(l, 'cases.case.answers')} id="answers">
                {caseAnswersViews().map((view) => view(l, c.answers))}
                <PostForm action={action('intake', 'answers')} csrf={props.csrf}>
                  {version}
                  <p>{m(l, 'cases.case.answers_hint')}</p>
                  <Field
                    id="intake-answers"
                    name="answers"
                    label={m(l, 'cases.case.answers')}
                    value={Object.entries(splitCaseAnswers(c.answers).free)
                      .map(([q, a]) => `${q}: ${a}`)
                      .join('\n')}
                    multiline
                    rows={6}
                    locale={l}
                  />
                  {f.canWrite ? <button type="submit">{m(l, 'cases.case.save')}</button> : null}
                </PostForm>
              </Section>
            </>
          )}
        </div>
      </div>

      {props.accessLog === null ? null : (
        <Section headingId="access-h" title={m(l, 'cases.case.access_log')}>
          <AccessLogTable locale={l} entries={props.accessLog} />
          <p>
            <a href={`${base}/access-log?lang=${l}`}>{m(l, 'cases.case.access_log')}</a>
          </p>
        </Section>
      )}
      <p class="muted">{m(l, 'cases.case.version', { version: f.version })}</p>
      {c !== null && f.canWrite ? <script src={CASE_DRAFT_SCRIPT} defer /> : null}
    </Page>
  );
}
