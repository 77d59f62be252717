import { CsrfField } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { DataTable, type Pagination } from '../../platform/ui/index.ts';
import { ageDays, Field, Page, type PageFrame, Select } from '../case-access/index.ts';
import { OPEN_STATUSES } from './case-workflow.ts';
import { type CasesMessageKey, casesMessages as m } from './cases.messages.ts';
import { APPLICANT_TYPES, type QueueQuery } from './cases.schemas.ts';
import type { DueTask, QueueItem, QueuePage } from './queue.service.ts';

/**
 * The queue, due-soon and search pages. Every value shown is chosen from the presenters'
 * allow-listed fields and escaped by the renderer.
 */

function QueueTable(props: {
  locale: Locale;
  items: QueueItem[];
  today: string;
  empty: string;
  pagination?: Pagination;
}) {
  const l = props.locale;
  return (
    <DataTable<QueueItem>
      rows={props.items}
      rowKey={(c) => c.id}
      rowAttributes={(c) => ({ 'data-ref': c.ref })}
      empty={props.empty}
      pagination={props.pagination}
      columns={[
        {
          key: 'ref',
          header: m(l, 'cases.col.ref'),
          cell: (c) => (
            <>
              <a href={`/staff/cases/${c.ref}?lang=${l}`}>{c.ref}</a>
              {c.overdue ? <strong class="error"> {m(l, 'cases.queue.overdue')}</strong> : null}
              {c.contentVisible ? null : <span> ({m(l, 'cases.queue.metadata_only')})</span>}
            </>
          ),
        },
        {
          key: 'urgency',
          header: m(l, 'cases.col.urgency'),
          cell: (c) => m(l, `cases.urgency.${Math.min(3, Math.max(0, c.urgency))}` as CasesMessageKey),
        },
        { key: 'status', header: m(l, 'cases.col.status'), cell: (c) => m(l, `cases.status.${c.status}`) },
        {
          key: 'type',
          header: m(l, 'cases.col.type'),
          cell: (c) => m(l, `cases.type.${c.applicantType}` as CasesMessageKey),
        },
        {
          key: 'age',
          header: m(l, 'cases.col.age'),
          cell: (c) => m(l, 'cases.days', { count: ageDays(c.createdOn, props.today) }),
        },
        { key: 'last-activity', header: m(l, 'cases.col.last_activity'), cell: (c) => c.lastActivityOn },
        {
          key: 'waiting',
          header: m(l, 'cases.col.waiting'),
          cell: (c) => (c.waitingForUs ? m(l, 'cases.yes') : m(l, 'cases.no')),
        },
        { key: 'team', header: m(l, 'cases.col.team'), cell: (c) => c.teamName ?? '—' },
        {
          key: 'assignee',
          header: m(l, 'cases.col.assignee'),
          cell: (c) => c.assignee ?? m(l, 'cases.unassigned'),
        },
      ]}
    />
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
          locale={l}
          label={m(l, 'cases.col.status')}
          value={q.status ?? ''}
          options={[any, ...OPEN_STATUSES.map((s): [string, string] => [s, m(l, `cases.status.${s}`)])]}
        />
        <Select
          id="f-type"
          name="type"
          locale={l}
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
          locale={l}
          label={m(l, 'cases.col.assignee')}
          value={q.assignee ?? ''}
          options={[any, ['me', m(l, 'cases.me')], ['none', m(l, 'cases.unassigned')]]}
        />
        <Select
          id="f-team"
          name="team"
          locale={l}
          label={m(l, 'cases.col.team')}
          value={q.team ?? ''}
          options={[any, ...props.page.teams.map((t): [string, string] => [t.id, t.name])]}
        />
        <Select
          id="f-waiting"
          name="waiting"
          locale={l}
          label={m(l, 'cases.col.waiting')}
          value={q.waiting ?? ''}
          options={[any, ['1', m(l, 'cases.yes')]]}
        />
        <button type="submit">{m(l, 'cases.filter.apply')}</button>
      </form>
      <QueueTable
        locale={l}
        items={props.page.items}
        today={props.today}
        empty={m(l, 'cases.queue.empty')}
        pagination={{
          label: m(l, 'cases.queue.page', { page: props.page.page }),
          current: m(l, 'cases.queue.page', { page: props.page.page }),
          previous:
            props.page.page > 1
              ? { href: params(props.page.page - 1), label: m(l, 'cases.queue.prev') }
              : undefined,
          next: props.page.hasNext
            ? { href: params(props.page.page + 1), label: m(l, 'cases.queue.next') }
            : undefined,
        }}
      />
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
      {props.results === null ? null : (
        <>
          <QueueTable
            locale={l}
            items={props.results}
            today={props.today}
            empty={m(l, 'cases.search.none')}
          />
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
      <DataTable<DueTask>
        rows={props.tasks}
        rowKey={(task) => task.id}
        empty={m(l, 'cases.due.none')}
        columns={[
          {
            key: 'due',
            header: m(l, 'cases.col.due'),
            cell: (task) => (
              <>
                {task.dueOn}
                {task.overdue ? <strong class="error"> {m(l, 'cases.queue.overdue')}</strong> : null}
              </>
            ),
          },
          {
            key: 'ref',
            header: m(l, 'cases.col.ref'),
            cell: (task) => <a href={`/staff/cases/${task.ref}?lang=${l}`}>{task.ref}</a>,
          },
          {
            key: 'kind',
            header: m(l, 'cases.col.kind'),
            cell: (task) => m(l, `cases.task.${task.kind}` as CasesMessageKey),
          },
          { key: 'task', header: m(l, 'cases.col.task'), cell: (task) => task.title },
          { key: 'assignee', header: m(l, 'cases.col.assignee'), cell: (task) => task.assignee ?? '—' },
        ]}
      />
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// The case file
