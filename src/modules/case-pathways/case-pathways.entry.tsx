import { Fragment } from 'preact';
import type { Locale } from '../../platform/i18n/index.ts';
import { countryLabel, frontLocation, pathwaysMessages } from '../pathways/index.ts';
import { casePathwaysMessages as p } from './case-pathways.messages.ts';
import { PATHWAY_FLAGS } from './case-pathways.schemas.ts';
import type { PathwayCheckView } from './case-pathways.timeline.tsx';

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * A saved pathway check on the case timeline: who ran it and when, the knowledge base version
 * and day it used, the profile, and the routes that were open (ranked as the staff member saw
 * them, titles in the language they read them in), with a link to run it again.
 */
export function PathwayCheckEntry(props: {
  locale: Locale;
  caseRef: string;
  by: string | null;
  at: Date;
  view: PathwayCheckView;
}) {
  const l = props.locale;
  const v = props.view;
  const c = v.check;
  const pm = pathwaysMessages[l];
  const yes = (b: boolean) => p(l, b ? 'case_pathways.yes' : 'case_pathways.no');
  return (
    <li class="pathways-check" id={`check-${v.id}`}>
      <p>
        <strong>{p(l, 'case_pathways.timeline.title', { who: props.by ?? '—' })}</strong> ·{' '}
        <time>{minute(props.at)}</time>
      </p>
      {c === null ? (
        <p>
          {pm.contentVersion}: <code>{v.contentVersion.slice(0, 12)}</code> · {v.evaluatedOn}
        </p>
      ) : (
        <>
          <p>
            {p(l, 'case_pathways.timeline.summary', {
              open: c.options.filter((o) => o.viable).length,
              total: c.options.length,
              day: v.evaluatedOn,
              version: v.contentVersion.slice(0, 12),
            })}
          </p>
          <p>
            <strong>{p(l, 'case_pathways.timeline.open')}</strong>
          </p>
          {c.options.some((o) => o.viable) ? (
            <ol lang={c.language}>
              {c.options
                .filter((o) => o.viable)
                .map((o) => (
                  <li key={o.id}>
                    {o.title} ({o.countryName}) — {pathwaysMessages[c.language].risk[o.risk]}
                  </li>
                ))}
            </ol>
          ) : (
            <p>{p(l, 'case_pathways.timeline.none_open')}</p>
          )}
          <details>
            <summary>{p(l, 'case_pathways.timeline.profile')}</summary>
            <dl>
              <dt>{p(l, 'case_pathways.citizenship')}</dt>
              <dd>{countryLabel(c.profile.citizenship, l)}</dd>
              <dt>{p(l, 'case_pathways.location')}</dt>
              <dd>
                {c.profile.location === frontLocation
                  ? p(l, 'case_pathways.location.front')
                  : countryLabel(c.profile.location, l)}
              </dd>
              <dt>{p(l, 'case_pathways.applicant_type')}</dt>
              <dd>{p(l, `case_pathways.type.${c.profile.applicantType}`)}</dd>
              <dt>{p(l, 'case_pathways.documents')}</dt>
              <dd>
                {c.profile.documents.length === 0
                  ? '—'
                  : c.profile.documents.map((d) => p(l, `case_pathways.doc.${d}`)).join(', ')}
              </dd>
              <dt>{p(l, 'case_pathways.passport_until')}</dt>
              <dd>{c.profile.foreignPassportValidUntil ?? p(l, 'case_pathways.unknown')}</dd>
              {PATHWAY_FLAGS.map((f) => (
                <Fragment key={f}>
                  <dt>{p(l, `case_pathways.flag.${f}`)}</dt>
                  <dd>{yes(c.profile[f])}</dd>
                </Fragment>
              ))}
              <dt>{p(l, 'case_pathways.adults')}</dt>
              <dd>{c.profile.family.adults}</dd>
              <dt>{p(l, 'case_pathways.children')}</dt>
              <dd>{c.profile.family.children}</dd>
              <dt>{p(l, 'case_pathways.age')}</dt>
              <dd>{c.profile.age ?? c.profile.birthYear ?? p(l, 'case_pathways.unknown')}</dd>
              <dt>{p(l, 'case_pathways.days_in_location')}</dt>
              <dd>{c.profile.daysInLocation ?? p(l, 'case_pathways.unknown')}</dd>
              <dt>{p(l, 'case_pathways.lawful_stay_left')}</dt>
              <dd>{c.profile.lawfulStayDaysLeft ?? p(l, 'case_pathways.unknown')}</dd>
            </dl>
          </details>
          <p>
            <a href={`/staff/cases/${props.caseRef}/pathways?lang=${l}&from=${v.id}`}>
              {p(l, 'case_pathways.timeline.rerun')}
            </a>
          </p>
        </>
      )}
    </li>
  );
}
