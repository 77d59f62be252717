import { LOCALES, type Locale } from '../../platform/i18n/index.ts';
import { CsrfField, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { TextParagraphs } from '../intake/index.ts';
import { type OrganisationMessageKey, organisationMessages as om } from './organisation.messages.ts';
import {
  inLocale,
  LABEL_MAX,
  MAX_QUESTIONS,
  NAME_MAX,
  PRIVACY_MAX,
  QUESTION_TYPES,
  WELCOME_MAX,
} from './organisation.schemas.ts';
import {
  type DraftView,
  LOGO_MAX_BYTES,
  LOGO_MAX_HEIGHT,
  type OrganisationOverview,
} from './organisation.service.ts';

/** The administrator's page (ADR 0193): the draft form, the logo, publish, and the versions. */

const PATH = '/staff/organisation';
const translate = (locale: Locale, key: string) => om(locale, key as OrganisationMessageKey);
const when = (d: Date | null) => (d === null ? '' : new Date(d).toISOString().slice(0, 16).replace('T', ' '));

export function OrganisationPage(props: {
  frame: StaffFrame;
  csrf: string;
  overview: OrganisationOverview;
  /** The values to show (a refused form's own, else the draft's or the published version's). */
  values?: Record<string, string> | undefined;
  errors?: Record<string, string> | undefined;
}) {
  const l = props.frame.locale;
  const o = props.overview;
  const values = props.values ?? formValues(o.form);
  const errors = props.errors;
  const text = (name: string, label: string, max: number, hint?: string) => (
    <Field locale={l} name={name} label={label} errors={errors} translate={translate} hint={hint}>
      {(a) => <input {...a} type="text" maxLength={max} value={values[name] ?? ''} />}
    </Field>
  );
  const area = (name: string, label: string, max: number, rows: number) => (
    <Field locale={l} name={name} label={label} errors={errors} translate={translate}>
      {(a) => (
        <textarea {...a} maxLength={max} rows={rows}>
          {values[name] ?? ''}
        </textarea>
      )}
    </Field>
  );
  const lang = (x: Locale) => om(l, `organisation.lang.${x}`);
  return (
    <StaffPage frame={props.frame} title={om(l, 'organisation.title')} path={PATH}>
      <p>{om(l, 'organisation.intro')}</p>
      <p id="org-state">
        {o.current === undefined
          ? om(l, 'organisation.published_none')
          : om(l, 'organisation.published', { version: o.current })}{' '}
        {o.draft === undefined
          ? om(l, 'organisation.draft_none')
          : om(l, 'organisation.draft', { version: o.draft.version })}
      </p>
      {o.draft === undefined ? null : (
        <section aria-labelledby="publish-h">
          <h2 id="publish-h">{om(l, 'organisation.draft', { version: o.draft.version })}</h2>
          <p>
            <a href={`${PATH}/preview?lang=${l}`}>{om(l, 'organisation.preview')}</a> ·{' '}
            <a href={`${PATH}/preview/privacy?lang=${l}`}>{om(l, 'organisation.preview_privacy')}</a>
          </p>
          <form method="post" action={`${PATH}/publish?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} />
            <input type="hidden" name="version" value={String(o.draft.version)} />
            <button type="submit">{om(l, 'organisation.publish')}</button>
          </form>{' '}
          <form method="post" action={`${PATH}/discard?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} />
            <input type="hidden" name="version" value={String(o.draft.version)} />
            <button type="submit" class="secondary">
              {om(l, 'organisation.discard')}
            </button>
          </form>
        </section>
      )}
      <form method="post" action={`${PATH}/draft?lang=${l}`} class="stack" id="org-form">
        <CsrfField token={props.csrf} />
        <fieldset>
          <legend>{om(l, 'organisation.name')}</legend>
          {LOCALES.map((x) => text(`name_${x}`, `${om(l, 'organisation.name')} (${lang(x)})`, NAME_MAX))}
        </fieldset>
        <fieldset>
          <legend>{om(l, 'organisation.contacts')}</legend>
          {text('telegram', om(l, 'organisation.contact.telegram'), 40, om(l, 'organisation.telegram_hint'))}
          {text('signal', om(l, 'organisation.contact.signal'), 40, om(l, 'organisation.signal_hint'))}
          {text('email', om(l, 'organisation.contact.email'), 254)}
          {text(
            'contact_person',
            om(l, 'organisation.contact_person'),
            200,
            om(l, 'organisation.contact_person_hint'),
          )}
        </fieldset>
        <fieldset>
          <legend>{om(l, 'organisation.welcome')}</legend>
          <p class="hint">{om(l, 'organisation.texts_hint')}</p>
          {LOCALES.map((x) =>
            area(`welcome_${x}`, `${om(l, 'organisation.welcome')} (${lang(x)})`, WELCOME_MAX, 4),
          )}
        </fieldset>
        <fieldset>
          <legend>{om(l, 'organisation.privacy')}</legend>
          {LOCALES.map((x) =>
            area(`privacy_${x}`, `${om(l, 'organisation.privacy')} (${lang(x)})`, PRIVACY_MAX, 8),
          )}
        </fieldset>
        <fieldset>
          <legend>{om(l, 'organisation.questions')}</legend>
          <p class="hint">{om(l, 'organisation.questions_hint', { count: MAX_QUESTIONS })}</p>
          {Array.from({ length: MAX_QUESTIONS }, (_, i) => {
            const q = `q${i + 1}`;
            return (
              <fieldset key={q} id={`org-${q}`}>
                <legend>{om(l, 'organisation.question', { n: i + 1 })}</legend>
                <Field
                  locale={l}
                  name={`${q}_type`}
                  label={om(l, 'organisation.q.type')}
                  errors={errors}
                  translate={translate}
                >
                  {(a) => (
                    <select {...a}>
                      <option value="">{om(l, 'organisation.q.type.none')}</option>
                      {QUESTION_TYPES.map((t) => (
                        <option key={t} value={t} selected={values[`${q}_type`] === t}>
                          {om(l, `organisation.q.type.${t}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <label>
                  <input
                    type="checkbox"
                    name={`${q}_required`}
                    value="1"
                    checked={values[`${q}_required`] === '1'}
                  />{' '}
                  {om(l, 'organisation.q.required')}
                </label>
                {LOCALES.map((x) =>
                  text(`${q}_label_${x}`, om(l, 'organisation.q.label', { lang: lang(x) }), LABEL_MAX),
                )}
                {LOCALES.map((x) =>
                  area(`${q}_options_${x}`, om(l, 'organisation.q.options', { lang: lang(x) }), 600, 3),
                )}
              </fieldset>
            );
          })}
        </fieldset>
        {o.form?.logo === undefined ? null : (
          <label>
            <input type="checkbox" name="remove_logo" value="1" /> {om(l, 'organisation.logo_remove')}
          </label>
        )}
        <button type="submit">{om(l, 'organisation.save')}</button>
      </form>
      <section aria-labelledby="logo-h">
        <h2 id="logo-h">{om(l, 'organisation.logo')}</h2>
        {o.form?.logo === undefined ? null : (
          <p>
            <img
              src={`${PATH}/versions/${o.form.version}/logo`}
              alt={om(l, 'organisation.logo')}
              width={o.form.logo.width}
              height={o.form.logo.height}
            />
          </p>
        )}
        <form method="post" action={`${PATH}/logo?lang=${l}`} enctype="multipart/form-data" class="stack">
          <CsrfField token={props.csrf} />
          <Field
            locale={l}
            name="logo"
            label={om(l, 'organisation.logo')}
            hint={om(l, 'organisation.logo_hint', { kb: LOGO_MAX_BYTES / 1024, px: LOGO_MAX_HEIGHT })}
            errors={errors}
            translate={(locale, key) =>
              om(locale, key as OrganisationMessageKey, { kb: LOGO_MAX_BYTES / 1024 })
            }
          >
            {(a) => <input {...a} type="file" accept="image/png,image/jpeg" />}
          </Field>
          <button type="submit">{om(l, 'organisation.logo_upload')}</button>
        </form>
      </section>
      <section aria-labelledby="versions-h">
        <h2 id="versions-h">{om(l, 'organisation.versions')}</h2>
        <DataTable<{ version: number; publishedAt: Date | null }>
          rows={o.versions}
          rowKey={(r) => String(r.version)}
          empty={om(l, 'organisation.published_none')}
          columns={[
            { key: 'version', header: om(l, 'organisation.col.version'), cell: (r) => String(r.version) },
            {
              key: 'state',
              header: om(l, 'organisation.col.state'),
              cell: (r) =>
                om(
                  l,
                  r.publishedAt === null
                    ? 'organisation.state.draft'
                    : r.version === o.current
                      ? 'organisation.state.current'
                      : 'organisation.state.published',
                ),
            },
            {
              key: 'published',
              header: om(l, 'organisation.col.published'),
              cell: (r) => when(r.publishedAt),
            },
            {
              key: 'view',
              header: om(l, 'organisation.view'),
              cell: (r) => (
                <a href={`${PATH}/versions/${r.version}?lang=${l}`}>{om(l, 'organisation.view')}</a>
              ),
            },
          ]}
        />
      </section>
    </StaffPage>
  );
}

/** A version's settings as the form's field values. */
export function formValues(v: DraftView | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined) return out;
  const s = v.settings;
  for (const l of LOCALES) {
    out[`name_${l}`] = s.name[l] ?? '';
    out[`welcome_${l}`] = s.welcome[l] ?? '';
    out[`privacy_${l}`] = s.privacy[l] ?? '';
  }
  out.telegram = s.contacts.telegram === undefined ? '' : `@${s.contacts.telegram}`;
  out.signal = s.contacts.signal ?? '';
  out.email = s.contacts.email ?? '';
  out.contact_person = v.contactPerson;
  for (const q of s.questions) {
    out[`${q.id}_type`] = q.type;
    if (q.required) out[`${q.id}_required`] = '1';
    for (const l of LOCALES) {
      out[`${q.id}_label_${l}`] = q.label[l] ?? '';
      out[`${q.id}_options_${l}`] = q.options
        .map((o) => o[l] ?? '')
        .filter((x) => x !== '')
        .join('\n');
    }
  }
  return out;
}

/** The form's fields as sent, as strings (to show a refused form again as it was). */
export function sentValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' && k !== '_csrf' && /^[a-z0-9_]{1,40}$/.test(k))
      out[k] = v.slice(0, PRIVACY_MAX);
  }
  return out;
}

/** One version, read-only (earlier versions stay readable). */
export function OrganisationVersionPage(props: { frame: StaffFrame; view: DraftView }) {
  const l = props.frame.locale;
  const v = props.view;
  const s = v.settings;
  return (
    <StaffPage
      frame={props.frame}
      title={om(l, 'organisation.version_title', { version: v.version })}
      path={`${PATH}/versions/${v.version}`}
    >
      <p>
        {om(l, v.publishedAt === null ? 'organisation.state.draft' : 'organisation.state.published')}{' '}
        {when(v.publishedAt)} · <a href={`${PATH}?lang=${l}`}>{om(l, 'organisation.title')}</a>
      </p>
      <dl>
        {LOCALES.map((x) => [
          <dt key={`n-${x}`}>
            {om(l, 'organisation.name')} ({om(l, `organisation.lang.${x}`)})
          </dt>,
          <dd key={`nv-${x}`}>{s.name[x] ?? '—'}</dd>,
        ])}
        <dt>{om(l, 'organisation.contact.telegram')}</dt>
        <dd>{s.contacts.telegram === undefined ? '—' : `@${s.contacts.telegram}`}</dd>
        <dt>{om(l, 'organisation.contact.signal')}</dt>
        <dd>{s.contacts.signal ?? '—'}</dd>
        <dt>{om(l, 'organisation.contact.email')}</dt>
        <dd>{s.contacts.email ?? '—'}</dd>
        <dt>{om(l, 'organisation.contact_person')}</dt>
        <dd>{v.contactPerson === '' ? '—' : v.contactPerson}</dd>
      </dl>
      {LOCALES.map((x) => (
        <section key={x} lang={x}>
          <h2>
            {om(l, 'organisation.welcome')} ({om(l, `organisation.lang.${x}`)})
          </h2>
          <TextParagraphs text={s.welcome[x] ?? '—'} />
          <h2>
            {om(l, 'organisation.privacy')} ({om(l, `organisation.lang.${x}`)})
          </h2>
          <TextParagraphs text={s.privacy[x] ?? '—'} />
        </section>
      ))}
      <h2>{om(l, 'organisation.questions')}</h2>
      <ol>
        {s.questions.map((q) => (
          <li key={q.id}>
            {inLocale(q.label, l)} ({om(l, `organisation.q.type.${q.type}`)}
            {q.required ? `, ${om(l, 'organisation.q.required')}` : ''})
            {q.options.length === 0 ? null : (
              <ul>
                {q.options.map((o, i) => (
                  <li key={i}>{inLocale(o, l)}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </StaffPage>
  );
}
