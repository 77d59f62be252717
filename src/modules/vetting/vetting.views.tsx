import type { ComponentChildren } from 'preact';
import { CsrfField, StaffLayout } from '../../platform/html.tsx';
import { catalogueFor, type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
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

export interface VettingFrame {
  locale: Locale;
  nav: ComponentChildren;
  canManageWatchlists: boolean;
  /** Vetting officers and coordinators see the watchlists and their imports (ADR 0095). */
  canSeeWatchlists: boolean;
  flash?: string | undefined;
  error?: string | undefined;
}

function Page(props: VettingFrame & { title: string; path: string; children: ComponentChildren }) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={props.title} path={props.path} nav={props.nav}>
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

const pct = (p: number) => `${(Math.round(p * 1000) / 10).toFixed(1)} %`;

export function QueuePageView(props: VettingFrame & { page: VettingQueuePage; query: VettingQueueQuery }) {
  const l = props.locale;
  const { page, query } = props;
  const link = (p: number) =>
    `/staff/vetting?lang=${l}&status=${query.status}${query.kind === undefined ? '' : `&kind=${query.kind}`}&page=${p}`;
  return (
    <Page {...props} title={m(l, 'vetting.queue.title')} path="/staff/vetting">
      <h1>{m(l, 'vetting.queue.title')}</h1>
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
      {page.items.length === 0 ? (
        <p>{m(l, 'vetting.queue.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'vetting.col.kind')}</th>
              <th scope="col">{m(l, 'vetting.col.cases')}</th>
              <th scope="col">{m(l, 'vetting.col.score')}</th>
              <th scope="col">{m(l, 'vetting.col.status')}</th>
              <th scope="col">{m(l, 'vetting.col.raised')}</th>
              <th scope="col">
                <span class="visually-hidden">{m(l, 'vetting.signal.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((s) => (
              <tr key={s.id}>
                <td>{m(l, `vetting.kind.${s.kind}`)}</td>
                <td>{s.refs.join(', ')}</td>
                <td>{s.kind === 'watchlist' && s.score > 1 ? s.score.toFixed(2) : pct(s.score)}</td>
                <td>{m(l, `vetting.status.${s.status}`)}</td>
                <td>{s.raised_on}</td>
                <td>
                  <a href={`/staff/vetting/signals/${s.id}?lang=${l}`}>{m(l, 'vetting.signal.open')}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        {page.page > 1 ? <a href={link(page.page - 1)}>{m(l, 'vetting.prev')}</a> : null}{' '}
        {page.hasNext ? <a href={link(page.page + 1)}>{m(l, 'vetting.next')}</a> : null}
      </p>
    </Page>
  );
}

function FieldsTable(props: {
  locale: Locale;
  fields: Array<{ field: string; level: string; weight: number }>;
}) {
  const l = props.locale;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{m(l, 'vetting.col.field')}</th>
          <th scope="col">{m(l, 'vetting.col.agreement')}</th>
          <th scope="col">{m(l, 'vetting.col.weight')}</th>
        </tr>
      </thead>
      <tbody>
        {props.fields.map((f) => (
          <tr key={f.field}>
            <td>{msg(l, `vetting.field.${f.field}`)}</td>
            {/* The engine's level names are English words from a fixed table (fellegi-sunter.ts LEVELS). */}
            <td>{f.level}</td>
            <td>{f.weight > 0 ? `+${f.weight}` : String(f.weight)}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
    <Page {...props} title={m(l, 'vetting.signal.title')} path={`/staff/vetting/signals/${s.id}`}>
      <h1>{m(l, `vetting.kind.${s.kind}`)}</h1>
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
          <table>
            <thead>
              <tr>
                <th scope="col">{m(l, 'vetting.col.field')}</th>
                {s.identities.map((c) => (
                  <th scope="col" key={c.label}>
                    {c.source === 'watchlist' ? `${c.label} (${m(l, 'vetting.id.watchlist')})` : c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(([key, get]) => (
                <tr key={key}>
                  <th scope="row">{m(l, key)}</th>
                  {s.identities!.map((c) => (
                    <td key={c.label}>{get(c)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>{m(l, 'vetting.signal.decisions')}</h2>
      {s.decisions.length === 0 ? (
        <p>{m(l, 'vetting.signal.no_decisions')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'vetting.col.decision')}</th>
              <th scope="col">{m(l, 'vetting.col.by')}</th>
              <th scope="col">{m(l, 'vetting.col.when')}</th>
              {s.identities === null ? null : <th scope="col">{m(l, 'vetting.col.reason')}</th>}
            </tr>
          </thead>
          <tbody>
            {s.decisions.map((d, i) => (
              <tr key={String(i)}>
                <td>{m(l, `vetting.decide.${d.decision}`)}</td>
                <td>{d.by ?? '?'}</td>
                <td>{`${d.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`}</td>
                {s.identities === null ? null : <td>{d.reason ?? ''}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.canDecide ? (
        <form method="post" action={`/staff/vetting/signals/${s.id}/decision?lang=${l}`} class="stack">
          <h2>{m(l, 'vetting.decide.title')}</h2>
          <CsrfField token={props.csrf} />
          <input type="hidden" name="version" value={String(s.version)} />
          <fieldset aria-describedby={errors?.decision === undefined ? undefined : 'decision-error'}>
            <legend>{m(l, 'vetting.decide.title')}</legend>
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
            {errors?.decision === undefined ? null : (
              <span class="error" id="decision-error">
                {msg(l, errors.decision)}
              </span>
            )}
          </fieldset>
          <div>
            <label for="reason">{m(l, 'vetting.decide.reason')}</label>
            <textarea
              id="reason"
              name="reason"
              rows={3}
              maxlength={2000}
              required
              aria-describedby={errors?.reason === undefined ? undefined : 'reason-error'}
            >
              {props.form?.reason ?? ''}
            </textarea>
            {errors?.reason === undefined ? null : (
              <span class="error" id="reason-error">
                {msg(l, errors.reason)}
              </span>
            )}
          </div>
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
    errors?: Record<string, string> | undefined;
  },
) {
  const l = props.locale;
  const errors = props.errors;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return (
    <Page {...props} title={m(l, 'vetting.watchlist.title')} path="/staff/vetting/watchlists">
      <h1>{m(l, 'vetting.watchlist.title')}</h1>
      <p>{m(l, 'vetting.watchlist.intro')}</p>
      <p class="notice">{m(l, 'vetting.watchlist.four_eyes', props.limits)}</p>
      {props.lists.length === 0 ? (
        <p>{m(l, 'vetting.watchlist.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m(l, 'vetting.watchlist.label')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.source')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.format')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.entries')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.fingerprint')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.imported')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.approved_by')}</th>
              <th scope="col">{m(l, 'vetting.watchlist.signals', { max: props.limits.signals })}</th>
              <th scope="col">{m(l, 'vetting.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {props.lists.map((w) => (
              <tr key={w.id} data-watchlist={w.id}>
                <td>{w.label}</td>
                <td>{w.source}</td>
                <td>
                  {m(
                    l,
                    w.format === 'clk' ? 'vetting.watchlist.format_clk' : 'vetting.watchlist.format_plain',
                  )}
                </td>
                <td>{String(w.entries)}</td>
                <td>{w.fingerprint ?? ''}</td>
                <td>
                  {day(w.importedAt)} ({w.importedBy})
                </td>
                <td>
                  {w.approvedBy === null ? '—' : `${w.approvedBy} (${day(w.approvedAt ?? w.importedAt)})`}
                </td>
                <td>{String(w.signals)}</td>
                <td>
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
                  {w.retired || !props.canManageWatchlists ? null : (
                    <form
                      method="post"
                      action={`/staff/vetting/watchlists/${w.id}/retire?lang=${l}`}
                      class="inline"
                    >
                      <CsrfField token={props.csrf} />{' '}
                      <button type="submit">{m(l, 'vetting.watchlist.retire')}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
            <div>
              <label for="label">{m(l, 'vetting.watchlist.label')}</label>
              <input id="label" name="label" maxlength={100} required />
              {errors?.label === undefined ? null : <span class="error">{msg(l, errors.label)}</span>}
            </div>
            <div>
              <label for="source">{m(l, 'vetting.watchlist.source')}</label>
              <input id="source" name="source" maxlength={200} minlength={3} required />
              {errors?.source === undefined ? null : <span class="error">{msg(l, errors.source)}</span>}
            </div>
            <div>
              <label for="secret">{m(l, 'vetting.watchlist.secret')}</label>
              <input id="secret" name="secret" type="password" autocomplete="off" maxlength={200} />
              {errors?.secret === undefined ? null : <span class="error">{msg(l, errors.secret)}</span>}
            </div>
            <div>
              <label for="file">{m(l, 'vetting.watchlist.file')}</label>
              <input id="file" name="file" type="file" accept=".jsonl,.json,.txt" required />
              {errors?.file === undefined ? null : (
                <span class="error">
                  {msg(l, errors.file, { line: errors.line ?? '?', max: props.limits.entries })}
                </span>
              )}
            </div>
            <button type="submit">{m(l, 'vetting.watchlist.import')}</button>
          </form>
        </>
      ) : null}
    </Page>
  );
}
