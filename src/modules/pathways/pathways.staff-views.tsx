import type { ComponentChildren } from 'preact';
import { StaffLayout } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { pathwaysMessages } from './pathways.messages.ts';
import type { StalenessReport } from './pathways.service.ts';
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
            <thead>
              <tr>
                <th scope="col">{s(l, 'pathways.stale.col.fact')}</th>
                <th scope="col">{s(l, 'pathways.stale.col.reviewed')}</th>
                <th scope="col">{s(l, 'pathways.stale.col.age')}</th>
                <th scope="col">{s(l, 'pathways.stale.col.confidence')}</th>
                <th scope="col">{s(l, 'pathways.stale.col.cited_by')}</th>
                <th scope="col">{s(l, 'pathways.stale.col.sources')}</th>
              </tr>
            </thead>
            <tbody>
              {r.facts.map((f) => (
                <tr key={f.id} id={`fact-${f.id}`}>
                  <td>
                    <code>{f.id}</code>
                    <br />
                    {f.text}
                  </td>
                  <td>
                    <time>{f.reviewed}</time>
                  </td>
                  <td>{f.ageDays}</td>
                  <td>{pm.confidenceLevel[f.confidence]}</td>
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
    </StaffLayout>
  );
}
