import type { Locale } from '../../platform/i18n/index.ts';
import { type Column, DataTable, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { pathwaysMessages } from './pathways.messages.ts';
import type { DueFactItem, StaleFactItem, StalenessReport } from './pathways.service.ts';
import { pathwaysStaffMessages as s } from './pathways.staff-messages.ts';

/** The coordinators' staleness report: facts due for review, and the routes resting on them. */
export function StalenessPageView(props: { frame: StaffFrame; report: StalenessReport }) {
  const l = props.frame.locale;
  const r = props.report;
  const pm = pathwaysMessages[l];
  const { fact, trailing } = factColumns<StaleFactItem>(l);
  return (
    <StaffPage frame={props.frame} title={s(l, 'pathways.stale.title')} path="/staff/pathways/staleness">
      <p>{s(l, 'pathways.stale.intro', { days: r.staleAfterDays })}</p>
      <p>
        {s(l, 'pathways.stale.version', { version: r.contentVersion.slice(0, 12), day: r.today })}{' '}
        <code id="content-version">{r.contentVersion}</code>
      </p>
      <p id="content-origin">
        {r.pack === undefined
          ? s(l, 'pathways.stale.origin_builtin')
          : s(l, 'pathways.stale.origin_pack', { created: r.pack.created, signer: r.pack.signer })}
      </p>
      {r.facts.length === 0 ? (
        <p class="ok" role="status">
          {s(l, 'pathways.stale.none', { days: r.staleAfterDays })}
        </p>
      ) : (
        <>
          <p role="status">
            <strong>{s(l, 'pathways.stale.count', { count: r.facts.length })}</strong>
          </p>
          <DataTable<StaleFactItem>
            id="stale-facts"
            rows={r.facts}
            rowKey={(f) => f.id}
            rowAttributes={(f) => ({ id: `fact-${f.id}` })}
            empty={null}
            columns={[
              fact,
              {
                key: 'reviewed',
                header: s(l, 'pathways.stale.col.reviewed'),
                cell: (f) => (
                  <>
                    <time>{f.reviewed}</time>
                    {f.expired && f.expires !== undefined ? (
                      <>
                        <br />
                        <strong>{s(l, 'pathways.stale.expired', { day: f.expires })}</strong>
                      </>
                    ) : null}
                  </>
                ),
              },
              { key: 'age', header: s(l, 'pathways.stale.col.age'), cell: (f) => f.ageDays },
              {
                key: 'confidence',
                header: s(l, 'pathways.stale.col.confidence'),
                cell: (f) => pm.confidenceLevel[f.confidence],
              },
              ...trailing,
            ]}
          />
          <section aria-labelledby="stale-options-h">
            <h2 id="stale-options-h">{s(l, 'pathways.stale.options_heading')}</h2>
            <ul id="stale-options">
              {r.options.map((o) => (
                <li key={o.id}>
                  {o.title} ({o.countryName}) — {o.staleFacts}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
      <DueSoonSection locale={l} report={r} />
    </StaffPage>
  );
}

type FactRow = Pick<StaleFactItem, 'id' | 'text' | 'citedBy' | 'sources'>;

/**
 * The columns both tables share: the fact (its id and text) first; the routes resting on it
 * and its sources last. Each table puts its own columns between them.
 */
function factColumns<R extends FactRow>(l: Locale): { fact: Column<R>; trailing: Column<R>[] } {
  const pm = pathwaysMessages[l];
  const fact: Column<R> = {
    key: 'fact',
    header: s(l, 'pathways.stale.col.fact'),
    cell: (f) => (
      <>
        <code>{f.id}</code>
        <br />
        {f.text}
      </>
    ),
  };
  const trailing: Column<R>[] = [
    {
      key: 'cited-by',
      header: s(l, 'pathways.stale.col.cited_by'),
      cell: (f) => (
        <ul>
          {f.citedBy.map((c) => (
            <li key={c.id}>{c.title === c.id ? <code>{c.id}</code> : c.title}</li>
          ))}
        </ul>
      ),
    },
    {
      key: 'sources',
      header: s(l, 'pathways.stale.col.sources'),
      cell: (f) => (
        <ul>
          {f.sources.map((src) => (
            <li key={src.id}>
              <a href={src.url} rel="noreferrer noopener">
                {src.title}
              </a>{' '}
              — {src.publisher} ({pm.accessed} {src.accessed})
            </li>
          ))}
        </ul>
      ),
    },
  ];
  return { fact, trailing };
}

/** Facts not stale yet whose review or end date falls within the look-ahead window (ADR 0100). */
function DueSoonSection(props: { locale: Locale; report: StalenessReport }) {
  const l = props.locale;
  const r = props.report;
  const { fact, trailing } = factColumns<DueFactItem>(l);
  return (
    <section aria-labelledby="due-soon-h">
      <h2 id="due-soon-h">{s(l, 'pathways.due.heading', { days: r.dueSoonDays })}</h2>
      <DataTable<DueFactItem>
        id="due-soon"
        rows={r.dueSoon}
        rowKey={(f) => f.id}
        rowAttributes={(f) => ({ id: `due-${f.id}` })}
        empty={s(l, 'pathways.due.none', { days: r.dueSoonDays })}
        columns={[
          fact,
          {
            key: 'due-on',
            header: s(l, 'pathways.due.col.due_on'),
            cell: (f) => (
              <>
                <time>{f.dueOn}</time> ({s(l, 'pathways.due.days_left', { count: f.daysLeft })})
              </>
            ),
          },
          {
            key: 'why',
            header: s(l, 'pathways.due.col.why'),
            cell: (f) =>
              f.reason === 'expires'
                ? s(l, 'pathways.due.reason.expires')
                : s(l, 'pathways.due.reason.review', { day: f.reviewed }),
          },
          ...trailing,
        ]}
      />
    </section>
  );
}
