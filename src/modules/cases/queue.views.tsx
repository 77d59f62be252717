import { CsrfField } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { DataTable, type Pagination } from '../../platform/ui/index.ts';
import { ageDays, Field, Page, type PageFrame, Select } from '../case-access/index.ts';
import { OPEN_STATUSES } from './case-workflow.ts';
import { type CasesMessageKey, casesMessages as m } from './cases.messages.ts';
import {
  APPLICANT_TYPES,
  QUEUE_VIEWS,
  type QueueQuery,
  type QueueSort,
  type QueueView,
  type SearchMode,
} from './cases.schemas.ts';
import { type QueueMessageKey, queueMessages as q } from './queue.messages.ts';
import type { DueTask, QueueItem, QueuePage } from './queue.service.ts';

/**
 * The queue, due-soon and search pages. Every value shown is chosen from the presenters'
 * allow-listed fields and escaped by the renderer.
 */

/** A column header that sorts the queue by it (a link; the current order is said in words). */
interface SortLinks {
  current: QueueSort | undefined;
  dir: 'asc' | 'desc';
  href: (key: QueueSort, dir: 'asc' | 'desc') => string;
}

function SortHeader(props: { locale: Locale; label: string; column: QueueSort; sort?: SortLinks }) {
  const s = props.sort;
  if (s === undefined) return <>{props.label}</>;
  const active = s.current === props.column;
  // A first click sorts by the column's natural order; a second one reverses it.
  const natural: 'asc' | 'desc' = props.column === 'country' ? 'asc' : 'desc';
  const next: 'asc' | 'desc' = active ? (s.dir === 'asc' ? 'desc' : 'asc') : natural;
  return (
    <a
      href={s.href(props.column, next)}
      class="sort"
      data-sort={props.column}
      title={q(props.locale, 'queue.sort_by', { column: props.label })}
    >
      {props.label}
      {active ? (
        <>
          <span aria-hidden="true">{s.dir === 'asc' ? ' ▲' : ' ▼'}</span>
          <span class="visually-hidden">
            {' '}
            ({q(props.locale, s.dir === 'asc' ? 'queue.sorted_asc' : 'queue.sorted_desc')})
          </span>
        </>
      ) : null}
    </a>
  );
}

/** The person's key facts the reader may see (ADR 0184); "—" on a metadata-only row. */
function PersonCell(props: { locale: Locale; item: QueueItem }) {
  const p = props.item.person;
  if (p === undefined) return <>—</>;
  const extra = [
    p.birthDate === null ? null : q(props.locale, 'queue.born', { date: p.birthDate }),
    p.location,
  ].filter((v): v is string => v !== null && v !== '');
  return (
    <>
      <span class="person-name">{p.name === '' ? '—' : p.name}</span>
      {extra.length > 0 ? <span class="hint">{extra.join(', ')}</span> : null}
    </>
  );
}

function QueueTable(props: {
  locale: Locale;
  items: QueueItem[];
  today: string;
  empty: string;
  pagination?: Pagination;
  sort?: SortLinks;
}) {
  const l = props.locale;
  const sortable = (label: string, column: QueueSort) => (
    <SortHeader
      locale={l}
      label={label}
      column={column}
      {...(props.sort === undefined ? {} : { sort: props.sort })}
    />
  );
  // The column the rows are sorted by says so in its header (`aria-sort`); the default
  // triage order is no single column's, so then no header claims it.
  const sorted = (column: QueueSort) =>
    props.sort?.current === column ? (props.sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
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
        { key: 'person', header: q(l, 'queue.col.person'), cell: (c) => <PersonCell locale={l} item={c} /> },
        {
          key: 'urgency',
          header: sortable(m(l, 'cases.col.urgency'), 'urgency'),
          sorted: sorted('urgency'),
          cell: (c) => m(l, `cases.urgency.${Math.min(3, Math.max(0, c.urgency))}` as CasesMessageKey),
        },
        { key: 'status', header: m(l, 'cases.col.status'), cell: (c) => m(l, `cases.status.${c.status}`) },
        {
          key: 'type',
          header: m(l, 'cases.col.type'),
          cell: (c) => m(l, `cases.type.${c.applicantType}` as CasesMessageKey),
        },
        {
          key: 'country',
          header: sortable(q(l, 'queue.col.country'), 'country'),
          sorted: sorted('country'),
          cell: (c) => c.country ?? '—',
        },
        {
          key: 'age',
          header: sortable(m(l, 'cases.col.age'), 'age'),
          sorted: sorted('age'),
          cell: (c) => m(l, 'cases.days', { count: ageDays(c.createdOn, props.today) }),
        },
        {
          key: 'last-activity',
          header: sortable(m(l, 'cases.col.last_activity'), 'activity'),
          sorted: sorted('activity'),
          cell: (c) => c.lastActivityOn,
        },
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
  const query = props.query;
  /** The queue's URL with the current filters, view and sort, changed by `over`. */
  const url = (over: Partial<Record<keyof QueueQuery, string | undefined>>) => {
    const p = new URLSearchParams({ lang: l });
    const values: Partial<Record<keyof QueueQuery, string | undefined>> = {
      view: query.view,
      status: query.status,
      type: query.type,
      country: query.country,
      assignee: query.assignee,
      team: query.team,
      waiting: query.waiting,
      sort: query.sort,
      dir: query.dir,
      ...over,
    };
    for (const [k, v] of Object.entries(values)) if (v !== undefined) p.set(k, v);
    if (over.page !== undefined) p.set('page', over.page);
    return `/staff/cases?${p.toString()}`;
  };
  const any: [string, string] = ['', m(l, 'cases.any')];
  const view = (key: QueueView | undefined, label: QueueMessageKey) => {
    const current = query.view === key;
    return (
      <li>
        <a
          href={key === undefined ? `/staff/cases?lang=${l}` : `/staff/cases?lang=${l}&view=${key}`}
          aria-current={current ? 'page' : undefined}
        >
          {q(l, label)}
        </a>
      </li>
    );
  };
  const p = props.page;
  return (
    <Page {...props} title={m(l, 'cases.queue.title')} path="/staff/cases">
      <nav aria-label={q(l, 'queue.views.label')} class="queue-views">
        <ul>
          {view(undefined, 'queue.view.all')}
          {QUEUE_VIEWS.map((v) => view(v, `queue.view.${v}`))}
        </ul>
      </nav>
      <form method="get" action="/staff/cases" class="queue-filters" aria-label={m(l, 'cases.filter.title')}>
        <input type="hidden" name="lang" value={l} />
        {query.view === undefined ? null : <input type="hidden" name="view" value={query.view} />}
        {query.sort === undefined ? null : <input type="hidden" name="sort" value={query.sort} />}
        {query.dir === undefined ? null : <input type="hidden" name="dir" value={query.dir} />}
        <Select
          id="f-status"
          name="status"
          locale={l}
          label={m(l, 'cases.col.status')}
          value={query.status ?? ''}
          options={[any, ...OPEN_STATUSES.map((s): [string, string] => [s, m(l, `cases.status.${s}`)])]}
        />
        <Select
          id="f-type"
          name="type"
          locale={l}
          label={m(l, 'cases.col.type')}
          value={query.type ?? ''}
          options={[any, ...APPLICANT_TYPES.map((s): [string, string] => [s, m(l, `cases.type.${s}`)])]}
        />
        <Field
          id="f-country"
          name="country"
          label={m(l, 'cases.person.country')}
          value={query.country ?? ''}
          locale={l}
        />
        <Select
          id="f-assignee"
          name="assignee"
          locale={l}
          label={m(l, 'cases.col.assignee')}
          value={query.assignee ?? ''}
          options={[any, ['me', m(l, 'cases.me')], ['none', m(l, 'cases.unassigned')]]}
        />
        <Select
          id="f-team"
          name="team"
          locale={l}
          label={m(l, 'cases.col.team')}
          value={query.team ?? ''}
          options={[any, ...p.teams.map((t): [string, string] => [t.id, t.name])]}
        />
        <Select
          id="f-waiting"
          name="waiting"
          locale={l}
          label={m(l, 'cases.col.waiting')}
          value={query.waiting ?? ''}
          options={[any, ['1', m(l, 'cases.yes')]]}
        />
        <div class="queue-filter-actions">
          <button type="submit">{m(l, 'cases.filter.apply')}</button>
          <a href={`/staff/cases?lang=${l}`}>{q(l, 'queue.reset')}</a>
        </div>
      </form>
      <p class="queue-count" role="status" data-count={p.total}>
        {p.totalCapped
          ? q(l, 'queue.count_capped', { count: p.total })
          : q(l, 'queue.count', { count: p.total })}
      </p>
      <QueueTable
        locale={l}
        items={p.items}
        today={props.today}
        empty={m(l, 'cases.queue.empty')}
        sort={{
          current: query.sort,
          dir: query.dir ?? (query.sort === 'country' ? 'asc' : 'desc'),
          href: (sort, dir) => url({ sort, dir, page: undefined }),
        }}
        pagination={{
          label: m(l, 'cases.queue.page', { page: p.page }),
          current: m(l, 'cases.queue.page', { page: p.page }),
          previous:
            p.page > 1
              ? { href: url({ page: String(p.page - 1) }), label: m(l, 'cases.queue.prev') }
              : undefined,
          next: p.hasNext
            ? { href: url({ page: String(p.page + 1) }), label: m(l, 'cases.queue.next') }
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
    mode: SearchMode;
    results: QueueItem[] | null;
    /** Free text only: the bound of cases read was hit (ADR 0185). */
    bounded: boolean;
    tooShort: boolean;
    today: string;
    limit: number;
    scanned: number;
  },
) {
  const l = props.locale;
  const radio = (value: SearchMode, label: QueueMessageKey) => (
    <label class="choice">
      <input type="radio" name="in" value={value} checked={props.mode === value} /> {q(l, label)}
    </label>
  );
  return (
    <Page {...props} title={m(l, 'cases.search.title')} path="/staff/cases/search">
      {/* POST, never GET: the search term (a phone, a document number) stays out of every URL. */}
      <form method="post" action={`/staff/cases/search?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <Field id="q" name="q" label={m(l, 'cases.search.query')} value={props.query} locale={l} required />
        <fieldset class="search-in">
          <legend>{q(l, 'search.in')}</legend>
          {radio('identity', 'search.in.identity')}
          {radio('text', 'search.in.text')}
        </fieldset>
        <p class="notice">
          {m(l, 'cases.search.hint')} {q(l, 'search.text_hint')}
        </p>
        <button type="submit">{m(l, 'cases.search.submit')}</button>
      </form>
      {props.tooShort ? (
        <p class="alert" role="status">
          {q(l, 'search.text_short')}
        </p>
      ) : null}
      {props.results === null || props.tooShort ? null : (
        <>
          <p class="queue-count" role="status" data-count={props.results.length}>
            {q(l, 'queue.count', { count: props.results.length })}
          </p>
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
          {props.bounded ? (
            <p class="notice" role="status" data-bounded="1">
              {q(l, 'search.text_bound', { count: props.scanned })}
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
