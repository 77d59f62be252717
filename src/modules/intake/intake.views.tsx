import type { ComponentChildren, VNode } from 'preact';
import { LanguageSwitch } from '../../platform/html.tsx';
import { type Locale, messageFor } from '../../platform/i18n/index.ts';
import type { PathwaysResult } from '../pathways/index.ts';
import { PathwaysResultView } from '../pathways/index.ts';
import type { AttachmentSummary } from './attachments.ts';
import { currentBranding, paragraphs } from './customisation.ts';
import { type IntakeMessageKey, im } from './intake.messages.ts';
import { APPLICANT_TYPES, CONTACTS, COUNTRIES, DOCUMENTS, NEEDS, URGENCIES } from './intake.schemas.ts';
import type { InboxMessage } from './intake.service.ts';

/**
 * Applicant pages: server-rendered, no JavaScript needed, nothing external, small. Every
 * page has the quick-exit link, the language switch and a safety line. Views render only
 * the fields they are given; every text is escaped by the renderer.
 */
type M = (key: IntakeMessageKey, params?: Record<string, string | number>) => string;
/** The organisation's questions bring their own error keys (ADR 0195), found by messageFor. */
const msg =
  (locale: Locale): M =>
  (key, params) =>
    (key as string).startsWith('organisation.') ? messageFor(locale, key) : im(locale, key, params);

export interface LayoutProps {
  locale: Locale;
  title: string;
  path: string;
  signedIn?: boolean;
  /** The pathways view brings its own <main>. */
  bare?: boolean;
  children: ComponentChildren;
}

export function ApplicantLayout(props: LayoutProps) {
  const m = msg(props.locale);
  const q = `?lang=${props.locale}`;
  // The organisation's own name, logo and contacts when it has published them (ADR 0193).
  const org = currentBranding();
  const siteName = org?.name ?? m('site.name');
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · ${siteName}`}</title>
        <link rel="stylesheet" href="/intake.css" />
      </head>
      <body>
        <header>
          <span class="brand">
            {org?.logo === undefined ? null : (
              <img src={org.logo.src} alt="" width={org.logo.width} height={org.logo.height} />
            )}
            {siteName}
          </span>
          <a class="exit" href="/exit" rel="noreferrer" title={m('layout.quick_exit_hint')} accesskey="x">
            {m('layout.quick_exit')}
          </a>
          <nav class="main">
            <a href={`/${q}`}>{m('layout.home')}</a>
            <a href={`/inbox${q}`}>{m('layout.inbox')}</a>
            <a href={`/pathways${q}`}>{m('layout.pathways')}</a>
          </nav>
          <LanguageSwitch locale={props.locale} path={props.path} />
        </header>
        {props.bare === true ? (
          props.children
        ) : (
          <main id="main">
            <h1>{props.title}</h1>
            {props.children}
          </main>
        )}
        <footer>
          <p>
            {m('safety.tor')} <a href={`/${q}#safety`}>{m('layout.safety')}</a>
          </p>
          <OrganisationContacts contacts={org?.contacts ?? []} />
          <p>
            <a href={`/privacy${q}`}>{messageFor(props.locale, 'organisation.privacy.link')}</a>
          </p>
        </footer>
      </body>
    </html>
  );
}

/** The organisation's public contact channels (ADR 0193), or nothing. */
function OrganisationContacts(props: {
  contacts: NonNullable<ReturnType<typeof currentBranding>>['contacts'];
}) {
  if (props.contacts.length === 0) return null;
  return (
    <ul class="contacts">
      {props.contacts.map((c) => (
        <li key={c.label}>
          {c.label}: {c.href === undefined ? c.value : <a href={c.href}>{c.value}</a>}
        </li>
      ))}
    </ul>
  );
}

/** Plain text as escaped paragraphs (an organisation's welcome text or privacy notice). */
export function TextParagraphs(props: { text: string }) {
  return (
    <>
      {paragraphs(props.text).map((p, i) => (
        <p key={i}>{p}</p>
      ))}
    </>
  );
}

function ErrorSummary(props: { m: M; errors: Record<string, string> }) {
  const keys = Object.entries(props.errors);
  if (keys.length === 0) return null;
  return (
    <div class="alert" role="alert">
      <p>{props.m('form.error.summary')}</p>
      <ul>
        {keys.map(([field, key]) => (
          <li key={field}>{props.m(key as IntakeMessageKey)}</li>
        ))}
      </ul>
    </div>
  );
}

function FieldError(props: { m: M; errors: Record<string, string>; field: string }) {
  const key = props.errors[props.field];
  return key === undefined ? null : <p class="err">{props.m(key as IntakeMessageKey)}</p>;
}

export function SafetyAdvice(props: { locale: Locale }) {
  const m = msg(props.locale);
  return (
    <section class="safety" id="safety">
      <h2>{m('safety.title')}</h2>
      <ul>
        <li>{m('safety.tor')}</li>
        <li>{m('safety.device')}</li>
        <li>{m('safety.identify')}</li>
        <li>{m('safety.codename')}</li>
      </ul>
    </section>
  );
}

/**
 * A file's size in the reader's language ("8 kB", "8 кБ"), through Intl's units: kilobytes
 * (rounded up, never "0") below a megabyte, megabytes with one decimal above.
 */
export function fileSize(bytes: number, locale: Locale): string {
  const mega = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: mega ? 'megabyte' : 'kilobyte',
    unitDisplay: 'short',
    maximumFractionDigits: mega ? 1 : 0,
  }).format(mega ? bytes / 1024 / 1024 : Math.max(1, Math.ceil(bytes / 1024)));
}

export interface FormValues {
  type?: string | undefined;
  country?: string | undefined;
  region?: string;
  urgency?: string | undefined;
  deadline?: string;
  documents?: string[];
  needs?: string[];
  story?: string;
  contact?: string | undefined;
}

/**
 * The "sending securely" panel (ADR 0196): plain HTML in the page, hidden, so that a visitor
 * without JavaScript never sees it; pow.js shows it while the proof of work runs and fills in the
 * attempts so far from `data-template`. When the server has raised the difficulty under load
 * (ADR 0197), it says so.
 */
function PowProgress(props: { m: M; locale: Locale; challenge: string; base: number }) {
  const { m } = props;
  const difficulty = Number(props.challenge.split('.')[1]);
  const expected = Number.isInteger(difficulty) ? 2 ** difficulty : 0;
  return (
    <div id="pow-progress" class="pow-progress" hidden>
      <p id="pow-message">
        <strong>{m('form.pow_sending')}</strong>
      </p>
      {difficulty > props.base ? (
        <p id="pow-level">
          {m('form.pow_raised', {
            times: 2 ** (difficulty - props.base),
            level: difficulty,
            base: props.base,
          })}
        </p>
      ) : null}
      <progress max={expected} value={0} aria-labelledby="pow-message" />
      <p id="pow-status" aria-live="polite" data-template={m('form.pow_progress')} />
    </div>
  );
}

export function IntakeFormPage(props: {
  locale: Locale;
  formToken: string;
  challenge: string;
  /** The operator's proof-of-work difficulty, to tell whether this challenge's is raised. */
  powBase: number;
  values: FormValues;
  errors: Record<string, string>;
  /** The organisation's own questions (ADR 0195), rendered by their module. */
  questions?: VNode | null;
}) {
  const { locale, values: v, errors } = props;
  const welcome = currentBranding()?.welcome;
  const m = msg(locale);
  const radio = (name: string, value: string, label: string, current: string | undefined) => (
    <label key={value}>
      <input type="radio" name={name} value={value} checked={current === value} /> {label}
    </label>
  );
  const check = (name: string, value: string, label: string, current: string[] | undefined) => (
    <label key={value}>
      <input type="checkbox" name={name} value={value} checked={current?.includes(value) ?? false} /> {label}
    </label>
  );
  return (
    <ApplicantLayout locale={locale} title={m('home.title')} path="/">
      {welcome === undefined ? <p>{m('home.intro')}</p> : <TextParagraphs text={welcome} />}
      <SafetyAdvice locale={locale} />
      <ErrorSummary m={m} errors={errors} />
      <form method="post" action={`/submit?lang=${locale}`} data-pow="1">
        <input type="hidden" name="form_token" value={props.formToken} />
        <input type="hidden" name="pow_challenge" value={props.challenge} />
        <input type="hidden" name="pow_solution" value="" />
        <fieldset>
          <legend>{m('form.type')}</legend>
          {APPLICANT_TYPES.map((t) => radio('type', t, m(`form.type.${t}` as IntakeMessageKey), v.type))}
          {radio('type', '', m('form.type.none'), v.type ?? '')}
          <FieldError m={m} errors={errors} field="applicantType" />
        </fieldset>
        <fieldset>
          <legend>{m('form.country')}</legend>
          <select name="country" aria-label={m('form.country')}>
            <option value="">{m('form.country.none')}</option>
            {COUNTRIES.map((c) => (
              <option key={c} value={c} selected={v.country === c}>
                {c === 'OTHER' ? m('form.country.other') : countryName(c, locale)}
              </option>
            ))}
          </select>
          <label class="block" for="region">
            {m('form.region')}
          </label>
          <input
            type="text"
            id="region"
            name="region"
            maxLength={100}
            value={v.region ?? ''}
            autocomplete="off"
          />
          <FieldError m={m} errors={errors} field="region" />
        </fieldset>
        <fieldset>
          <legend>{m('form.urgency')}</legend>
          {URGENCIES.map((u) => radio('urgency', u, m(`form.urgency.${u}` as IntakeMessageKey), v.urgency))}
          <label class="block" for="deadline">
            {m('form.deadline')}
          </label>
          <input type="date" id="deadline" name="deadline" value={v.deadline ?? ''} />
          <FieldError m={m} errors={errors} field="deadline" />
        </fieldset>
        <fieldset>
          <legend>{m('form.documents')}</legend>
          {DOCUMENTS.map((d) => check('documents', d, m(`form.doc.${d}` as IntakeMessageKey), v.documents))}
        </fieldset>
        <fieldset>
          <legend>{m('form.needs')}</legend>
          {NEEDS.map((n) => check('needs', n, m(`form.need.${n}` as IntakeMessageKey), v.needs))}
        </fieldset>
        <label class="block" for="story">
          {m('form.story')}
        </label>
        <p class="hint">{m('form.story_hint')}</p>
        <textarea id="story" name="story" maxLength={10000}>
          {v.story ?? ''}
        </textarea>
        <FieldError m={m} errors={errors} field="story" />
        {props.questions ?? null}
        <fieldset>
          <legend>{m('form.contact')}</legend>
          {CONTACTS.map((c) => radio('contact', c, m(`form.contact.${c}` as IntakeMessageKey), v.contact))}
        </fieldset>
        <noscript>
          <p class="hint">{m('form.pow_note')}</p>
        </noscript>
        <button type="submit">{m('form.submit')}</button>
        <PowProgress m={m} locale={locale} challenge={props.challenge} base={props.powBase} />
      </form>
      <script src="/intake/pow.js" defer />
    </ApplicantLayout>
  );
}

const COUNTRY_NAMES: Record<string, [string, string, string]> = {
  RU: ['Россия', 'Росія', 'Russia'],
  BY: ['Беларусь', 'Білорусь', 'Belarus'],
  UA: ['Украина', 'Україна', 'Ukraine'],
  KZ: ['Казахстан', 'Казахстан', 'Kazakhstan'],
  GE: ['Грузия', 'Грузія', 'Georgia'],
  AM: ['Армения', 'Вірменія', 'Armenia'],
  KG: ['Киргизия', 'Киргизстан', 'Kyrgyzstan'],
  UZ: ['Узбекистан', 'Узбекистан', 'Uzbekistan'],
  TR: ['Турция', 'Туреччина', 'Turkey'],
  RS: ['Сербия', 'Сербія', 'Serbia'],
  AE: ['ОАЭ', 'ОАЕ', 'UAE'],
  MN: ['Монголия', 'Монголія', 'Mongolia'],
};
export function countryName(code: string, locale: Locale): string {
  const names = COUNTRY_NAMES[code];
  if (names === undefined) return code;
  return locale === 'ru' ? names[0] : locale === 'uk' ? names[1] : names[2];
}

export function CodenamePage(props: { locale: Locale; codename: string; replay: boolean }) {
  const m = msg(props.locale);
  return (
    <ApplicantLayout locale={props.locale} title={m('codename.title')} path="/">
      <p class="ok" role="status">
        {m(props.replay ? 'codename.again' : 'codename.received')}
      </p>
      <h2>{m('codename.yours')}</h2>
      <p class="codename" id="codename">
        {props.codename}
      </p>
      <p>
        <strong>{m('codename.once')}</strong>
      </p>
      <p>{m('codename.advice')}</p>
      <p>{m('codename.next')}</p>
      <p>
        <a href={`/inbox?lang=${props.locale}`}>{m('layout.inbox')}</a>
      </p>
    </ApplicantLayout>
  );
}

/**
 * The codename sign-in page. Without `csrf` (just signed out: the response clears every
 * cookie, the form's pre-session one too) it links to a fresh sign-in form instead.
 */
export function SignInPage(props: {
  locale: Locale;
  csrf?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}) {
  const m = msg(props.locale);
  return (
    <ApplicantLayout locale={props.locale} title={m('signin.title')} path="/inbox">
      {props.notice === undefined ? null : (
        <p class="ok" role="status">
          {props.notice}
        </p>
      )}
      {props.error === undefined ? null : (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      {props.csrf === undefined ? (
        <p>
          <a href={`/inbox?lang=${props.locale}`}>{m('signin.again')}</a>
        </p>
      ) : (
        <form method="post" action={`/inbox/sign-in?lang=${props.locale}`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <label class="block" for="codename">
            {m('signin.label')}
          </label>
          <p class="hint">{m('signin.hint')}</p>
          <input
            type="text"
            id="codename"
            name="codename"
            inputMode="numeric"
            autocomplete="off"
            spellcheck={false}
            maxLength={80}
          />
          <p>
            <button type="submit">{m('signin.submit')}</button>
          </p>
        </form>
      )}
    </ApplicantLayout>
  );
}

export function InboxPage(props: {
  locale: Locale;
  csrf: string;
  messages: InboxMessage[];
  attachments: AttachmentSummary[];
  idleMinutes: number;
  maxUploadMb: number;
  maxFiles: number;
  /** False on the high-assurance path (ADR 0160): no upload form, and the reason instead. */
  uploads?: boolean;
  notice?: string | undefined;
  errors: Record<string, string>;
  /** What other modules show here (registerInboxSection), e.g. consent requests. */
  sections?: VNode[];
}) {
  const m = msg(props.locale);
  const q = `?lang=${props.locale}`;
  return (
    <ApplicantLayout locale={props.locale} title={m('inbox.title')} path="/inbox" signedIn>
      {props.notice === undefined ? null : (
        <p class="ok" role="status">
          {props.notice}
        </p>
      )}
      <ErrorSummary m={m} errors={props.errors} />
      {props.sections ?? null}
      {props.messages.length === 0 ? <p>{m('inbox.empty')}</p> : null}
      {props.messages.map((x) => (
        <div key={x.id} class={x.fromApplicant ? 'msg' : 'msg staff'}>
          <p class="meta">
            {m(x.fromApplicant ? 'inbox.from_you' : 'inbox.from_staff')} · {x.on}
          </p>
          {x.body}
        </div>
      ))}
      <h2>{m('inbox.write')}</h2>
      <form method="post" action={`/inbox/messages${q}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <textarea name="body" maxLength={5000} aria-label={m('inbox.write')} />
        <p>
          <button type="submit">{m('inbox.send')}</button>
        </p>
      </form>
      <h2>{m('attach.title')}</h2>
      {props.uploads === false ? (
        <p class="hint">{m('attach.restricted')}</p>
      ) : (
        <>
          <p class="hint">{m('attach.hint', { mb: props.maxUploadMb, count: props.maxFiles })}</p>
          <form method="post" action={`/inbox/attachments${q}`} enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <label class="block" for="file">
              {m('attach.file')}
            </label>
            <input type="file" id="file" name="file" accept="image/jpeg,image/png,application/pdf" />
            <label>
              <input type="checkbox" name="keep_original" value="1" /> {m('attach.keep_original')}
            </label>
            <p>
              <button type="submit">{m('attach.submit')}</button>
            </p>
          </form>
        </>
      )}
      {props.attachments.length === 0 ? null : (
        <>
          <h2>{m('attach.list')}</h2>
          <ul>
            {props.attachments.map((a) => (
              <li key={a.id}>
                {a.name}{' '}
                <span class="meta">
                  ({fileSize(a.size, props.locale)}, {a.on})
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={`/tracing${q}`}>{m('inbox.tracing')}</a>
      </p>
      <form method="post" action={`/inbox/sign-out${q}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit">{m('inbox.sign_out')}</button>
      </form>
      <p class="hint">{m('inbox.idle', { minutes: props.idleMinutes })}</p>
    </ApplicantLayout>
  );
}

export function ApplicantErrorPage(props: { locale: Locale; path: string; title: string; message: string }) {
  return (
    <ApplicantLayout locale={props.locale} title={props.title} path={props.path}>
      <p class="alert" role="alert">
        {props.message}
      </p>
      <p>
        <a href={`/?lang=${props.locale}`}>{msg(props.locale)('layout.home')}</a>
      </p>
    </ApplicantLayout>
  );
}

export function PathwaysFormPage(props: { locale: Locale; errors: Record<string, string> }) {
  const m = msg(props.locale);
  const countries = COUNTRIES.filter((c) => c !== 'OTHER');
  return (
    <ApplicantLayout locale={props.locale} title={m('pathways.title')} path="/pathways">
      <p>{m('pathways.intro')}</p>
      <ErrorSummary m={m} errors={props.errors} />
      <form method="post" action={`/pathways?lang=${props.locale}`}>
        <label class="block" for="citizenship">
          {m('pathways.citizenship')}
        </label>
        <select id="citizenship" name="citizenship">
          {countries.map((c) => (
            <option key={c} value={c}>
              {countryName(c, props.locale)}
            </option>
          ))}
        </select>
        <label class="block" for="location">
          {m('pathways.location')}
        </label>
        <select id="location" name="location">
          <option value="front">{m('pathways.front')}</option>
          {countries.map((c) => (
            <option key={c} value={c}>
              {countryName(c, props.locale)}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>{m('form.type')}</legend>
          <select name="applicantType" aria-label={m('form.type')}>
            {APPLICANT_TYPES.map((t) => (
              <option key={t} value={t}>
                {m(`form.type.${t}` as IntakeMessageKey)}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset>
          <legend>{m('form.documents')}</legend>
          {DOCUMENTS.filter((d) => d !== 'none').map((d) => (
            <label key={d}>
              <input type="checkbox" name="documents" value={d} /> {m(`form.doc.${d}` as IntakeMessageKey)}
            </label>
          ))}
          <label>
            <input type="checkbox" name="documents" value="diplomatic_passport" />{' '}
            {m('pathways.doc.diplomatic_passport')}
          </label>
          <label class="block" for="passportUntil">
            {m('pathways.passport_until')}
          </label>
          <input type="date" id="passportUntil" name="foreignPassportValidUntil" />
        </fieldset>
        <fieldset>
          {(
            [
              'hasLeftUnit',
              'criminalCaseOpened',
              'onWantedList',
              'calledUp',
              'summonsPosted',
              'passportInvalidated',
            ] as const
          ).map((f) => (
            <label key={f}>
              <input type="checkbox" name={f} value="1" /> {m(PATHWAY_FLAG_LABEL[f])}
            </label>
          ))}
          <label class="block" for="adults">
            {m('pathways.family_adults')}
          </label>
          <input type="text" inputMode="numeric" id="adults" name="adults" value="0" maxLength={2} />
          <label class="block" for="children">
            {m('pathways.family_children')}
          </label>
          <input type="text" inputMode="numeric" id="children" name="children" value="0" maxLength={2} />
          <label class="block" for="age">
            {m('pathways.age')}
          </label>
          <input type="text" inputMode="numeric" id="age" name="age" maxLength={3} />
          <label class="block" for="stayLeft">
            {m('pathways.stay_left')}
          </label>
          <input type="text" inputMode="numeric" id="stayLeft" name="lawfulStayDaysLeft" maxLength={4} />
        </fieldset>
        <button type="submit">{m('pathways.submit')}</button>
      </form>
    </ApplicantLayout>
  );
}

const PATHWAY_FLAG_LABEL = {
  hasLeftUnit: 'pathways.left_unit',
  criminalCaseOpened: 'pathways.criminal_case',
  onWantedList: 'pathways.wanted',
  calledUp: 'pathways.called_up',
  summonsPosted: 'pathways.summons_posted',
  passportInvalidated: 'pathways.passport_invalid',
} as const satisfies Record<string, IntakeMessageKey>;

export function PathwaysResultPage(props: {
  locale: Locale;
  result: PathwaysResult;
  signedIn: boolean;
  csrf: string | undefined;
  profileJson: string;
}): VNode {
  const m = msg(props.locale);
  return (
    <ApplicantLayout locale={props.locale} title={m('pathways.title')} path="/pathways" bare>
      <PathwaysResultView result={props.result} locale={props.locale} />
      <footer>
        {props.signedIn && props.csrf !== undefined ? (
          <form method="post" action={`/pathways/attach?lang=${props.locale}`}>
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="profile" value={props.profileJson} />
            <button type="submit">{m('pathways.attach')}</button>
          </form>
        ) : null}
        <p>
          <a href={`/pathways?lang=${props.locale}`}>{m('pathways.again')}</a>
        </p>
      </footer>
    </ApplicantLayout>
  );
}

/** The privacy notice: the organisation's own (ADR 0193), or the catalogue's default. */
export function PrivacyPage(props: { locale: Locale }) {
  const l = props.locale;
  const own = currentBranding()?.privacy;
  return (
    <ApplicantLayout locale={l} title={messageFor(l, 'organisation.privacy.title')} path="/privacy">
      <TextParagraphs text={own ?? messageFor(l, 'organisation.privacy.default')} />
    </ApplicantLayout>
  );
}
