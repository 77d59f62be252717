import type { Locale } from '../../platform/i18n/index.ts';
import { CsrfField, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { ApplicantLayout } from '../intake/index.ts';
import { type TracingMessageKey, tm } from './tracing.messages.ts';
import { CONSENT_ITEMS, CONSENT_METHODS, RELATIONSHIPS } from './tracing.schemas.ts';
import type { ProposalView } from './tracing.service.ts';

/**
 * Pages of family tracing. The applicant's page: server-rendered, no JavaScript, small, in
 * the applicant site's layout (quick exit, language switch). The staff page: one section per
 * proposal, with its explanation and the forms its reader may use. Every text is escaped.
 */

/** The ICRC Central Tracing Agency fact, from the pathways knowledge base (one source of truth). */
export interface CtaFact {
  text: string;
  sources: Array<{ title: string; publisher: string; url: string }>;
}

export type RequestFormValues = Record<string, string>;

const TEXT_FIELDS = [
  ['family_name', 100],
  ['given_name', 100],
  ['patronymic', 100],
  ['birth_date', 10],
  ['unit', 200],
  ['last_place', 200],
  ['last_contact', 200],
] as const;

function Errors(props: { locale: Locale; errors: Record<string, string> }) {
  const entries = Object.entries(props.errors);
  if (entries.length === 0) return null;
  return (
    <div class="alert" role="alert">
      <p>{tm(props.locale, 'error.summary')}</p>
      <ul>
        {entries.map(([field, key]) => (
          <li key={field}>
            <a href={`#${field}`}>{tm(props.locale, key as TracingMessageKey)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The request fields (shared by the applicant's page and the staff form). */
function RequestFields(props: { locale: Locale; values: RequestFormValues; errors: Record<string, string> }) {
  const l = props.locale;
  const err = (name: string) => {
    const key = props.errors[name];
    return key === undefined ? null : (
      <p class="err" id={`${name}-error`}>
        {tm(l, key as TracingMessageKey)}
      </p>
    );
  };
  const described = (name: string, hint?: string) =>
    [hint, props.errors[name] === undefined ? undefined : `${name}-error`].filter(Boolean).join(' ') ||
    undefined;
  return (
    <>
      {TEXT_FIELDS.map(([name, max]) => (
        <p key={name}>
          <label class="block" for={name}>
            {tm(l, `field.${name}` as TracingMessageKey)}
          </label>
          {name === 'birth_date' ? (
            <span class="hint" id="birth_date-hint">
              {tm(l, 'field.birth_date.hint')}
            </span>
          ) : null}
          <input
            type="text"
            id={name}
            name={name}
            maxLength={max}
            value={props.values[name] ?? ''}
            aria-invalid={props.errors[name] === undefined ? undefined : 'true'}
            aria-describedby={described(name, name === 'birth_date' ? 'birth_date-hint' : undefined)}
          />
          {err(name)}
        </p>
      ))}
      <p>
        <label class="block" for="relationship">
          {tm(l, 'field.relationship')}
        </label>
        <select
          id="relationship"
          name="relationship"
          aria-invalid={props.errors.relationship === undefined ? undefined : 'true'}
          aria-describedby={described('relationship')}
        >
          {RELATIONSHIPS.map((r) => (
            <option key={r} value={r} selected={props.values.relationship === r}>
              {tm(l, `rel.${r}`)}
            </option>
          ))}
        </select>
        {err('relationship')}
      </p>
      <p>
        <label class="block" for="safe_contact">
          {tm(l, 'field.safe_contact')}
        </label>
        <span class="hint" id="safe_contact-hint">
          {tm(l, 'field.safe_contact.hint')}
        </span>
        <textarea
          id="safe_contact"
          name="safe_contact"
          maxLength={1000}
          aria-describedby={described('safe_contact', 'safe_contact-hint')}
        >
          {props.values.safe_contact ?? ''}
        </textarea>
        {err('safe_contact')}
      </p>
    </>
  );
}

function CtaSteps(props: { locale: Locale; fact: CtaFact | undefined }) {
  const l = props.locale;
  return (
    <section aria-labelledby="cta">
      <h2 id="cta">{tm(l, 'cta.title')}</h2>
      {props.fact === undefined ? null : <p>{props.fact.text}</p>}
      <p>{tm(l, 'cta.steps')}</p>
      <ol>
        {(['cta.step1', 'cta.step2', 'cta.step3', 'cta.step4', 'cta.step5'] as const).map((k) => (
          <li key={k}>{tm(l, k)}</li>
        ))}
      </ol>
      {props.fact === undefined || props.fact.sources.length === 0 ? null : (
        <p class="hint">
          {tm(l, 'cta.sources')}{' '}
          {props.fact.sources.map((s, i) => (
            <span key={s.url}>
              {i > 0 ? '; ' : ''}
              {s.publisher}, “{s.title}” ({s.url})
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

/** The applicant's tracing page (signed in, their own case). */
export function TracingRequestPage(props: {
  locale: Locale;
  csrf: string;
  family: boolean;
  values: RequestFormValues;
  errors: Record<string, string>;
  notice?: string | undefined;
  mine: ReadonlyArray<{ status: string; created_on: string }>;
  fact: CtaFact | undefined;
}) {
  const l = props.locale;
  const q = `?lang=${l}`;
  return (
    <ApplicantLayout locale={l} title={tm(l, 'page.title')} path="/tracing" signedIn>
      {props.notice === undefined ? null : (
        <p class="ok" role="status">
          {props.notice}
        </p>
      )}
      {props.family ? (
        <>
          <p>{tm(l, 'page.intro')}</p>
          <p class="hint">{tm(l, 'page.safety')}</p>
          <Errors locale={l} errors={props.errors} />
          <form method="post" action={`/tracing${q}`}>
            <CsrfField token={props.csrf} />
            <RequestFields locale={l} values={props.values} errors={props.errors} />
            <p>
              <button type="submit">{tm(l, 'submit')}</button>
            </p>
          </form>
          {props.mine.length === 0 ? null : (
            <>
              <h2>{tm(l, 'mine.title')}</h2>
              <ul>
                {props.mine.map((r, i) => (
                  <li key={`${r.created_on}-${String(i)}`}>
                    {tm(l, r.status === 'open' ? 'mine.open' : 'mine.closed', { date: r.created_on })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : (
        <p>{tm(l, 'page.not_family')}</p>
      )}
      <CtaSteps locale={l} fact={props.fact} />
      <p>
        <a href={`/inbox${q}`}>{tm(l, 'back')}</a>
      </p>
    </ApplicantLayout>
  );
}

function consentText(l: Locale, p: ProposalView): string {
  if (p.consent === null) return tm(l, 'staff.consent.none');
  if (p.consent.status === 'given') {
    return tm(l, 'staff.consent.given', {
      allows: p.consent.allows.map((a) => tm(l, `allow.${a}` as TracingMessageKey)).join(', '),
    });
  }
  return tm(l, p.consent.status === 'refused' ? 'staff.consent.refused' : 'staff.consent.withdrawn');
}

function ActionForm(props: { action: string; csrf: string; label: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

function ProposalSection(props: { locale: Locale; csrf: string; p: ProposalView }) {
  const l = props.locale;
  const p = props.p;
  const q = `?lang=${l}`;
  const s = p.sought;
  const name = [s.familyName, s.givenName, s.patronymic].filter((x) => x !== '').join(' ');
  const base = `/staff/tracing/proposals/${p.id}`;
  const agreed = p.detail.fields.filter((f) => f.weight > 0);
  const active = p.requestOpen;
  return (
    <section aria-labelledby={`p-${p.id}`} class="card" data-proposal={p.id}>
      <h2 id={`p-${p.id}`}>
        {tm(l, 'staff.col.family')} {p.familyRef} →{' '}
        {p.otherRequest
          ? tm(l, 'staff.match.request')
          : p.soughtRef === null
            ? tm(l, 'staff.match.case_other')
            : tm(l, 'staff.match.case', { ref: p.soughtRef })}
      </h2>
      <dl>
        {p.canDecide ? (
          <>
            <dt>{tm(l, 'staff.col.sought')}</dt>
            <dd>
              {name}
              {s.birthDate === '' ? '' : `, ${s.birthDate}`}
              {s.unit === '' ? '' : `; ${s.unit}`}
              {s.lastPlace === '' ? '' : `; ${s.lastPlace}`}
              {s.lastContact === '' ? '' : `; ${s.lastContact}`} ({tm(l, `rel.${p.relationship}`)})
            </dd>
          </>
        ) : null}
        <dt>{tm(l, 'staff.col.match')}</dt>
        <dd>{`${Math.round(p.score * 100)} %`}</dd>
        <dt>{tm(l, 'staff.col.why')}</dt>
        <dd>
          <ul class="why">
            {p.detail.fields.map((f) => (
              <li key={f.field} class={f.weight > 0 ? 'agree' : 'disagree'}>
                {f.field}: {f.level} ({f.weight > 0 ? '+' : ''}
                {f.weight.toFixed(1)})
              </li>
            ))}
          </ul>
          {agreed.length === 0 ? null : <span class="hint">{agreed.map((f) => f.field).join(', ')}</span>}
        </dd>
        <dt>{tm(l, 'staff.col.status')}</dt>
        <dd>
          {active ? tm(l, `staff.status.${p.status}`) : tm(l, 'staff.status.closed')}
          {p.otherRequest ? '' : `; ${consentText(l, p)}`}
        </dd>
      </dl>
      {active && p.canDecide && p.status === 'proposed' ? (
        <p>
          <ActionForm action={`${base}/confirm${q}`} csrf={props.csrf} label={tm(l, 'staff.confirm')} />{' '}
          <ActionForm action={`${base}/reject${q}`} csrf={props.csrf} label={tm(l, 'staff.reject')} />
        </p>
      ) : null}
      {active && p.canConsent && p.consent === null ? (
        <ConsentForm locale={l} csrf={props.csrf} action={`${base}/consent${q}`} id={p.id} />
      ) : null}
      {p.canConsent && p.consent?.status === 'given' ? (
        <>
          <ActionForm action={`${base}/withdraw${q}`} csrf={props.csrf} label={tm(l, 'staff.withdraw')} />
          {p.consent.allows.includes('message') ? (
            <form method="post" action={`${base}/relay${q}`}>
              <CsrfField token={props.csrf} />
              <label class="block" for={`relay-${p.id}`}>
                {tm(l, 'staff.relay')}
              </label>
              <textarea id={`relay-${p.id}`} name="message" maxLength={2000} />
              <button type="submit">{tm(l, 'staff.relay.submit')}</button>
            </form>
          ) : null}
        </>
      ) : null}
      {active && p.canDecide ? (
        <p>
          <ActionForm
            action={`/staff/tracing/requests/${p.requestId}/rematch${q}`}
            csrf={props.csrf}
            label={tm(l, 'staff.rematch')}
          />{' '}
          <ActionForm
            action={`/staff/tracing/requests/${p.requestId}/close${q}`}
            csrf={props.csrf}
            label={tm(l, 'staff.close')}
          />
        </p>
      ) : null}
    </section>
  );
}

function ConsentForm(props: { locale: Locale; csrf: string; action: string; id: string }) {
  const l = props.locale;
  const id = (x: string) => `${x}-${props.id}`;
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrf} />
      <fieldset>
        <legend>{tm(l, 'staff.consent.title')}</legend>
        <fieldset>
          <legend>{tm(l, 'staff.consent.decision')}</legend>
          <label>
            <input type="radio" name="decision" value="given" /> {tm(l, 'staff.consent.given_opt')}
          </label>
          <label>
            <input type="radio" name="decision" value="refused" /> {tm(l, 'staff.consent.refused_opt')}
          </label>
        </fieldset>
        <label class="block" for={id('method')}>
          {tm(l, 'staff.consent.method')}
        </label>
        <select id={id('method')} name="method">
          {CONSENT_METHODS.map((m) => (
            <option key={m} value={m}>
              {tm(l, `method.${m}`)}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>{tm(l, 'staff.consent.allows')}</legend>
          {CONSENT_ITEMS.map((a) => (
            <label key={a}>
              <input type="checkbox" name="allows" value={a} /> {tm(l, `allow.${a}`)}
            </label>
          ))}
        </fieldset>
        <label class="block" for={id('message')}>
          {tm(l, 'staff.consent.message')}
        </label>
        <textarea id={id('message')} name="message" maxLength={2000} />
        <label class="block" for={id('contact')}>
          {tm(l, 'staff.consent.contact')}
        </label>
        <textarea id={id('contact')} name="contact" maxLength={500} />
        <p>
          <button type="submit">{tm(l, 'staff.consent.submit')}</button>
        </p>
      </fieldset>
    </form>
  );
}

/** The caseworker's page: proposals for their cases, and the form to record a request. */
export function TracingStaffPage(props: {
  frame: StaffFrame;
  csrf: string;
  proposals: ProposalView[];
  values: RequestFormValues;
  errors: Record<string, string>;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage frame={props.frame} title={tm(l, 'staff.title')} path="/staff/tracing">
      <p>{tm(l, 'staff.intro')}</p>
      {props.proposals.length === 0 ? <p>{tm(l, 'staff.empty')}</p> : null}
      {props.proposals.map((p) => (
        <ProposalSection key={p.id} locale={l} csrf={props.csrf} p={p} />
      ))}
      <h2 id="new">{tm(l, 'staff.new.title')}</h2>
      <Errors locale={l} errors={props.errors} />
      <form method="post" action={`/staff/tracing/requests?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <p>
          <label class="block" for="case">
            {tm(l, 'staff.new.case')}
          </label>
          <input type="text" id="case" name="case" maxLength={20} value={props.values.case ?? ''} />
        </p>
        <RequestFields locale={l} values={props.values} errors={props.errors} />
        <p>
          <button type="submit">{tm(l, 'staff.new.submit')}</button>
        </p>
      </form>
      <p class="hint">{tm(l, 'staff.cta')}</p>
    </StaffPage>
  );
}
