import type { ComponentChildren } from 'preact';
import { StaffLayout } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { pathwaysMessages } from './pathways.messages.ts';
import type { StaleFactItem, StalenessReport } from './pathways.service.ts';
import { pathwaysStaffMessages as s } from './pathways.staff-messages.ts';

/** The coordinators' staleness report: facts due for review, and the routes resting on them. */
export function StalenessPageView(props: {
  locale: Locale;
  nav: ComponentChildren;
  report: StalenessReport;
}) {
  const l = props.locale;
  const r = props.report;
  const pm = pathwaysMessages[l];
  return (
    <StaffLayout
      locale={l}
      title={s(l, 'pathways.stale.title')}
      path="/staff/pathways/staleness"
      nav={props.nav}
    >
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
          <table id="stale-facts">
            <FactTableHead
              locale={l}
              middle={[
                s(l, 'pathways.stale.col.reviewed'),
                s(l, 'pathways.stale.col.age'),
                s(l, 'pathways.stale.col.confidence'),
              ]}
            />
            <tbody>
              {r.facts.map((f) => (
                <tr key={f.id} id={`fact-${f.id}`}>
                  <FactIdCell fact={f} />
                  <td>
                    <time>{f.reviewed}</time>
                    {f.expired && f.expires !== undefined ? (
                      <>
                        <br />
                        <strong>{s(l, 'pathways.stale.expired', { day: f.expires })}</strong>
                      </>
                    ) : null}
                  </td>
                  <td>{f.ageDays}</td>
                  <td>{pm.confidenceLevel[f.confidence]}</td>
                  <FactCells locale={l} fact={f} />
                </tr>
              ))}
            </tbody>
          </table>
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
    </StaffLayout>
  );
}

/** Both tables: the fact, the columns of their own, then routes and sources. */
function FactTableHead(props: { locale: Locale; middle: string[] }) {
  const l = props.locale;
  return (
    <thead>
      <tr>
        <th scope="col">{s(l, 'pathways.stale.col.fact')}</th>
        {props.middle.map((label) => (
          <th key={label} scope="col">
            {label}
          </th>
        ))}
        <th scope="col">{s(l, 'pathways.stale.col.cited_by')}</th>
        <th scope="col">{s(l, 'pathways.stale.col.sources')}</th>
      </tr>
    </thead>
  );
}

/** The first column of both tables: the fact's id and its text. */
function FactIdCell(props: { fact: Pick<StaleFactItem, 'id' | 'text'> }) {
  return (
    <td>
      <code>{props.fact.id}</code>
      <br />
      {props.fact.text}
    </td>
  );
}

/** The routes resting on a fact and its sources: the last two columns of both tables. */
function FactCells(props: { locale: Locale; fact: Pick<StaleFactItem, 'citedBy' | 'sources'> }) {
  const f = props.fact;
  const pm = pathwaysMessages[props.locale];
  return (
    <>
      <td>
        <ul>
          {f.citedBy.map((c) => (
            <li key={c.id}>{c.title === c.id ? <code>{c.id}</code> : c.title}</li>
          ))}
        </ul>
      </td>
      <td>
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
      </td>
    </>
  );
}

/** Facts not stale yet whose review or end date falls within the look-ahead window (ADR 0100). */
function DueSoonSection(props: { locale: Locale; report: StalenessReport }) {
  const l = props.locale;
  const r = props.report;
  return (
    <section aria-labelledby="due-soon-h">
      <h2 id="due-soon-h">{s(l, 'pathways.due.heading', { days: r.dueSoonDays })}</h2>
      {r.dueSoon.length === 0 ? (
        <p>{s(l, 'pathways.due.none', { days: r.dueSoonDays })}</p>
      ) : (
        <table id="due-soon">
          <FactTableHead
            locale={l}
            middle={[s(l, 'pathways.due.col.due_on'), s(l, 'pathways.due.col.why')]}
          />
          <tbody>
            {r.dueSoon.map((f) => (
              <tr key={f.id} id={`due-${f.id}`}>
                <FactIdCell fact={f} />
                <td>
                  <time>{f.dueOn}</time> ({s(l, 'pathways.due.days_left', { count: f.daysLeft })})
                </td>
                <td>
                  {f.reason === 'expires'
                    ? s(l, 'pathways.due.reason.expires')
                    : s(l, 'pathways.due.reason.review', { day: f.reviewed })}
                </td>
                <FactCells locale={l} fact={f} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
