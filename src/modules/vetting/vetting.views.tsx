import type { ComponentChildren } from 'preact';
import { catalogueFor, type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  FieldError,
  type FieldErrors,
  fieldErrorId,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import type { BlockingKeyName } from '../linkage/index.ts';
import type { SignalDetail } from './person-linkage.service.ts';
import { isVettingMessageKey, vettingMessages as m, type VettingMessageKey } from './vetting.messages.ts';
import { SIGNAL_KINDS, type VettingQueueQuery } from './vetting.schemas.ts';
import type { SignalView, VettingQueuePage } from './vetting.service.ts';
import type { WatchlistView } from './watchlist.service.ts';

/**
 * Views of the vetting queue. They render the presenters' allow-listed fields only, escaped
 * by the renderer; every action is a plain form (no script).
 */
export function msg(locale: Locale, key: string, params?: Record<string, string | number>): string {
  if (isVettingMessageKey(key)) return m(locale, key, params);
  if (key in catalogueFor(locale)) return t(locale, key as MessageKey, params);
  return t(locale, 'field.invalid');
}

export interface VettingFrame extends StaffFrame {
  canManageWatchlists: boolean;
  /** Vetting officers and coordinators see the watchlists and their imports (ADR 0095). */
  canSeeWatchlists: boolean;
}

function Page(props: VettingFrame & { title: string; path: string; children: ComponentChildren }) {
  const l = props.locale;
  return (
    <StaffPage
      frame={props}
      title={props.title}
      path={props.path}
      subnav={
        <nav aria-label={m(l, 'vetting.nav.label')} class="workspace">
          <ul class="inline-list">
            <li>
              <a href={`/staff/vetting?lang=${l}`}>{m(l, 'vetting.nav.queue')}</a>
            </li>
            {props.canSeeWatchlists ? (
              <li>
                <a href={`/staff/vetting/watchlists?lang=${l}`}>{m(l, 'vetting.nav.watchlists')}</a>
              </li>
            ) : null}
          </ul>
        </nav>
      }
    >
      {props.children}
    </StaffPage>
  );
}

const pct = (p: number) => `${(Math.round(p * 1000) / 10).toFixed(1)} %`;

export function QueuePageView(props: VettingFrame & { page: VettingQueuePage; query: VettingQueueQuery }) {
  const l = props.locale;
  const { page, query } = props;
  const link = (p: number) =>
    `/staff/vetting?lang=${l}&status=${query.status}${query.kind === undefined ? '' : `&kind=${query.kind}`}&page=${p}`;
  return (
    <Page {...props} title={m(l, 'vetting.queue.title')} path="/staff/vetting">
      <p>{m(l, 'vetting.queue.intro')}</p>
      <p>{m(l, 'vetting.queue.open', { count: page.openCount })}</p>
      <form method="get" action="/staff/vetting" class="inline">
        <input type="hidden" name="lang" value={l} />
        <label for="status">{m(l, 'vetting.filter.status')}</label>
        <select id="status" name="status">
          {(['open', 'decided', 'all'] as const).map((s) => (
            <option value={s} selected={s === query.status} key={s}>
              {m(l, `vetting.status.${s}`)}
            </option>
          ))}
        </select>
        <label for="kind">{m(l, 'vetting.filter.kind')}</label>
        <select id="kind" name="kind">
          <option value="" selected={query.kind === undefined}>
            {m(l, 'vetting.status.all')}
          </option>
          {SIGNAL_KINDS.map((k) => (
            <option value={k} selected={k === query.kind} key={k}>
              {m(l, `vetting.kind.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit">{m(l, 'vetting.filter.apply')}</button>
      </form>
      <DataTable<VettingQueuePage['items'][number]>
        rows={page.items}
        rowKey={(s) => s.id}
        empty={m(l, 'vetting.queue.empty')}
        columns={[
          { key: 'kind', header: m(l, 'vetting.col.kind'), cell: (s) => m(l, `vetting.kind.${s.kind}`) },
          { key: 'cases', header: m(l, 'vetting.col.cases'), cell: (s) => s.refs.join(', ') },
          {
            key: 'score',
            header: m(l, 'vetting.col.score'),
            cell: (s) => (s.kind === 'watchlist' && s.score > 1 ? s.score.toFixed(2) : pct(s.score)),
          },
          {
            key: 'status',
            header: m(l, 'vetting.col.status'),
            cell: (s) => m(l, `vetting.status.${s.status}`),
          },
          { key: 'raised', header: m(l, 'vetting.col.raised'), cell: (s) => s.raised_on },
          {
            key: 'open',
            header: <span class="visually-hidden">{m(l, 'vetting.signal.open')}</span>,
            cell: (s) => (
              <a href={`/staff/vetting/signals/${s.id}?lang=${l}`}>{m(l, 'vetting.signal.open')}</a>
            ),
          },
        ]}
        pagination={{
          label: m(l, 'vetting.pages'),
          previous: page.page > 1 ? { href: link(page.page - 1), label: m(l, 'vetting.prev') } : undefined,
          next: page.hasNext ? { href: link(page.page + 1), label: m(l, 'vetting.next') } : undefined,
        }}
      />
    </Page>
  );
}

function FieldsTable(props: {
  locale: Locale;
  fields: Array<{ field: string; level: string; weight: number }>;
}) {
  const l = props.locale;
  return (
    <DataTable<{ field: string; level: string; weight: number }>
      rows={props.fields}
      rowKey={(f) => f.field}
      empty={null}
      columns={[
        { key: 'field', header: m(l, 'vetting.col.field'), cell: (f) => msg(l, `vetting.field.${f.field}`) },
        // The engine's level names are English words from a fixed table (fellegi-sunter.ts LEVELS).
        { key: 'level', header: m(l, 'vetting.col.agreement'), cell: (f) => f.level },
        {
          key: 'weight',
          header: m(l, 'vetting.col.weight'),
          cell: (f) => (f.weight > 0 ? `+${f.weight}` : String(f.weight)),
        },
      ]}
    />
  );
}

/** The blocking keys two records share exactly, in words. */
function SharedKeys(props: { locale: Locale; keys: readonly BlockingKeyName[] }) {
  const l = props.locale;
  return (
    <>
      <h3>{m(l, 'vetting.signal.shared_keys')}</h3>
      <ul>
        {/* Typed key: a blocking key without a label in every locale does not compile. */}
        {props.keys.map((k) => (
          <li key={k}>{m(l, `vetting.key.${k}`)}</li>
        ))}
      </ul>
    </>
  );
}

function Explanation(props: { locale: Locale; detail: SignalDetail; refOf: (caseId: string) => string }) {
  const l = props.locale;
  const d = props.detail;
  if (d.type === 'private') {
    return (
      <div>
        <p>{m(l, 'vetting.signal.entry', { ref: d.entryRef })}</p>
        <p>{m(l, 'vetting.signal.private', { dice: d.dice, score: d.score, t: d.threshold })}</p>
        <SharedKeys locale={l} keys={d.sharedKeys} />
      </div>
    );
  }
  if (d.type === 'group') {
    return (
      <div>
        {d.pairs.map((p) => (
          <section key={p.caseId}>
            <h3>{m(l, 'vetting.signal.pair_with', { ref: props.refOf(p.caseId) })}</h3>
            <p>{m(l, 'vetting.signal.probability', { p: pct(p.probability), t: pct(d.threshold) })}</p>
            <FieldsTable locale={l} fields={p.fields} />
          </section>
        ))}
      </div>
    );
  }
  return (
    <div>
      {d.entryRef === undefined ? null : <p>{m(l, 'vetting.signal.entry', { ref: d.entryRef })}</p>}
      <p>{m(l, 'vetting.signal.probability', { p: pct(d.probability), t: pct(d.threshold) })}</p>
      <p>{m(l, 'vetting.signal.weight', { w: d.weight })}</p>
      {d.swappedNames ? <p>{m(l, 'vetting.signal.swapped')}</p> : null}
      {d.documentMatch ? <p>{m(l, 'vetting.signal.document')}</p> : null}
      <p>{m(l, d.model === 'estimated' ? 'vetting.signal.model_estimated' : 'vetting.signal.model_prior')}</p>
      <FieldsTable locale={l} fields={d.fields} />
      {d.sharedKeys === undefined || d.sharedKeys.length === 0 ? null : (
        <SharedKeys locale={l} keys={d.sharedKeys} />
      )}
    </div>
  );
}

export function SignalPageView(
  props: VettingFrame & {
    signal: SignalView;
    csrf: string;
    refOf: (caseId: string) => string;
    form?: { decision?: string; reason?: string; errors?: Record<string, string> | undefined };
  },
) {
  const l = props.locale;
  const s = props.signal;
  const errors = props.form?.errors;
  const rows: Array<[VettingMessageKey, (c: NonNullable<SignalView['identities']>[number]) => string]> = [
    ['vetting.id.family', (c) => c.familyName],
    ['vetting.id.given', (c) => c.givenName],
    ['vetting.id.patronymic', (c) => c.patronymic],
    ['vetting.id.latin', (c) => c.latinName],
    ['vetting.id.birth', (c) => c.birthDate],
    ['vetting.id.phone', (c) => c.phone],
    ['vetting.id.documents', (c) => c.sharedDocuments.join(', ')],
  ];
  return (
    <Page {...props} title={m(l, `vetting.kind.${s.kind}`)} path={`/staff/vetting/signals/${s.id}`}>
      <p>
        {m(l, 'vetting.col.status')}: {m(l, `vetting.status.${s.status}`)} · {m(l, 'vetting.col.raised')}:{' '}
        {s.raisedOn} · {m(l, 'vetting.col.cases')}: {s.cases.map((c) => c.ref).join(', ')}
      </p>
      <p class="notice">{m(l, 'vetting.signal.cases_untouched')}</p>
      <h2>{m(l, 'vetting.signal.explanation')}</h2>
      <Explanation locale={l} detail={s.detail} refOf={props.refOf} />
      <h2>{m(l, 'vetting.signal.identities')}</h2>
      {s.identities === null ? (
        <p>{m(l, 'vetting.signal.no_identities')}</p>
      ) : (
        <>
          <p>{m(l, 'vetting.signal.identities_note')}</p>
          <DataTable<(typeof rows)[number]>
            rows={rows}
            rowKey={([key]) => key}
            empty={null}
            columns={[
              {
                key: 'field',
                header: m(l, 'vetting.col.field'),
                cell: ([key]) => m(l, key),
                rowHeader: true,
              },
              ...s.identities.map((c) => ({
                key: c.label,
                header: c.source === 'watchlist' ? `${c.label} (${m(l, 'vetting.id.watchlist')})` : c.label,
                cell: ([, get]: (typeof rows)[number]) => get(c),
              })),
            ]}
          />
        </>
      )}
      <h2>{m(l, 'vetting.signal.decisions')}</h2>
      <DataTable<SignalView['decisions'][number]>
        rows={s.decisions}
        rowKey={(d) => `${d.at.toISOString()}-${d.decision}-${d.by ?? ''}`}
        empty={m(l, 'vetting.signal.no_decisions')}
        columns={[
          {
            key: 'decision',
            header: m(l, 'vetting.col.decision'),
            cell: (d) => m(l, `vetting.decide.${d.decision}`),
          },
          { key: 'by', header: m(l, 'vetting.col.by'), cell: (d) => d.by ?? '?' },
          {
            key: 'when',
            header: m(l, 'vetting.col.when'),
            cell: (d) => `${d.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
          },
          // The reasons are shown only to those who see the identities.
          ...(s.identities === null
            ? []
            : [
                {
                  key: 'reason',
                  header: m(l, 'vetting.col.reason'),
                  cell: (d: SignalView['decisions'][number]) => d.reason ?? '',
                },
              ]),
        ]}
      />
      {s.canDecide ? (
        <form
          method="post"
          action={`/staff/vetting/signals/${s.id}/decision?lang=${l}`}
          class="stack"
          aria-labelledby="decide-h"
        >
          {/* One heading: the fieldset's legend is the question, so it is not repeated above it. */}
          <CsrfField token={props.csrf} />
          <input type="hidden" name="version" value={String(s.version)} />
          <fieldset aria-describedby={errors?.decision === undefined ? undefined : fieldErrorId('decision')}>
            <legend id="decide-h">{m(l, 'vetting.decide.title')}</legend>
            {(['same', 'different', 'more_info'] as const).map((d) => (
              <div key={d}>
                <input
                  type="radio"
                  id={`decision-${d}`}
                  name="decision"
                  value={d}
                  checked={props.form?.decision === d}
                />
                <label for={`decision-${d}`}>{m(l, `vetting.decide.${d}`)}</label>
              </div>
            ))}
            <FieldError locale={l} errors={errors} name="decision" translate={msg} />
          </fieldset>
          <Field
            locale={l}
            name="reason"
            label={m(l, 'vetting.decide.reason')}
            errors={errors}
            translate={msg}
          >
            {(a) => (
              <textarea {...a} rows={3} maxlength={2000} required>
                {props.form?.reason ?? ''}
              </textarea>
            )}
          </Field>
          <button type="submit">{m(l, 'vetting.decide.submit')}</button>
        </form>
      ) : s.identities === null ? null : (
        <p>{m(l, 'vetting.signal.not_decidable')}</p>
      )}
    </Page>
  );
}

export function WatchlistsPageView(
  props: VettingFrame & {
    lists: WatchlistView[];
    csrf: string;
    limits: { entries: number; signals: number };
    errors?: FieldErrors;
  },
) {
  const l = props.locale;
  const errors = props.errors;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const field = { locale: l, errors, translate: msg };
  return (
    <Page {...props} title={m(l, 'vetting.watchlist.title')} path="/staff/vetting/watchlists">
      <p>{m(l, 'vetting.watchlist.intro')}</p>
      <p class="notice">{m(l, 'vetting.watchlist.four_eyes', props.limits)}</p>
      <DataTable<WatchlistView>
        rows={props.lists}
        rowKey={(w) => w.id}
        rowAttributes={(w) => ({ 'data-watchlist': w.id })}
        empty={m(l, 'vetting.watchlist.none')}
        columns={[
          { key: 'label', header: m(l, 'vetting.watchlist.label'), cell: (w) => w.label },
          { key: 'source', header: m(l, 'vetting.watchlist.source'), cell: (w) => w.source },
          {
            key: 'format',
            header: m(l, 'vetting.watchlist.format'),
            cell: (w) =>
              m(l, w.format === 'clk' ? 'vetting.watchlist.format_clk' : 'vetting.watchlist.format_plain'),
          },
          { key: 'entries', header: m(l, 'vetting.watchlist.entries'), cell: (w) => String(w.entries) },
          {
            key: 'fingerprint',
            header: m(l, 'vetting.watchlist.fingerprint'),
            cell: (w) => w.fingerprint ?? '',
          },
          {
            key: 'imported',
            header: m(l, 'vetting.watchlist.imported'),
            cell: (w) => (
              <>
                {day(w.importedAt)} ({w.importedBy})
              </>
            ),
          },
          {
            key: 'approved',
            header: m(l, 'vetting.watchlist.approved_by'),
            cell: (w) =>
              w.approvedBy === null ? '—' : `${w.approvedBy} (${day(w.approvedAt ?? w.importedAt)})`,
          },
          {
            key: 'signals',
            header: m(l, 'vetting.watchlist.signals', { max: props.limits.signals }),
            cell: (w) => String(w.signals),
          },
          {
            key: 'status',
            header: m(l, 'vetting.col.status'),
            cell: (w) => (
              <WatchlistStatus
                locale={l}
                watchlist={w}
                csrf={props.csrf}
                canManage={props.canManageWatchlists}
              />
            ),
          },
        ]}
      />
      {props.canManageWatchlists ? (
        <>
          <h2>{m(l, 'vetting.watchlist.import')}</h2>
          <form
            method="post"
            action={`/staff/vetting/watchlists?lang=${l}`}
            enctype="multipart/form-data"
            class="stack"
          >
            {/* The CSRF field comes first: the server checks it before reading the file. */}
            <CsrfField token={props.csrf} />
            <Field {...field} name="label" label={m(l, 'vetting.watchlist.label')}>
              {(a) => <input {...a} maxlength={100} required />}
            </Field>
            <Field {...field} name="source" label={m(l, 'vetting.watchlist.source')}>
              {(a) => <input {...a} maxlength={200} minlength={3} required />}
            </Field>
            <Field {...field} name="secret" label={m(l, 'vetting.watchlist.secret')}>
              {(a) => <input {...a} type="password" autocomplete="off" maxlength={200} />}
            </Field>
            <Field
              {...field}
              name="file"
              label={m(l, 'vetting.watchlist.file')}
              translate={(locale, key) =>
                msg(locale, key, { line: errors?.line ?? '?', max: props.limits.entries })
              }
            >
              {(a) => <input {...a} type="file" accept=".jsonl,.json,.txt" required />}
            </Field>
            <button type="submit">{m(l, 'vetting.watchlist.import')}</button>
          </form>
        </>
      ) : null}
    </Page>
  );
}

/** The status cell of a watchlist: its state, the four-eyes buttons, and "retire". */
function WatchlistStatus(props: {
  locale: Locale;
  watchlist: WatchlistView;
  csrf: string;
  canManage: boolean;
}) {
  const l = props.locale;
  const w = props.watchlist;
  return (
    <>
      {w.retired && w.status !== 'rejected'
        ? m(l, 'vetting.watchlist.retired')
        : m(l, `vetting.watchlist.status_${w.status}`)}
      {w.approvalId === null
        ? null
        : (['approve', 'reject'] as const).map((decision) => (
            <form
              key={decision}
              method="post"
              action={`/staff/cases/approvals/${w.approvalId}/${decision}?lang=${l}`}
              class="inline"
            >
              <CsrfField token={props.csrf} />{' '}
              <button type="submit" class={decision === 'reject' ? 'danger' : undefined}>
                {m(l, `vetting.watchlist.${decision}`)}
              </button>
            </form>
          ))}
      {w.retired || !props.canManage ? null : (
        <form method="post" action={`/staff/vetting/watchlists/${w.id}/retire?lang=${l}`} class="inline">
          <CsrfField token={props.csrf} /> <button type="submit">{m(l, 'vetting.watchlist.retire')}</button>
        </form>
      )}
    </>
  );
}
