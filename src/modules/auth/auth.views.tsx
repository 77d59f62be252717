import type { ComponentChildren } from 'preact';
import { CsrfField } from '../../platform/html.tsx';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  Field,
  type FieldErrors,
  QrCode,
  type StaffFrame,
  StaffNavBar,
  StaffPage,
} from '../../platform/ui/index.ts';
import { authMessages } from './auth.messages.ts';
import { wm } from './webauthn.messages.ts';
import { KeySignIn } from './webauthn.views.tsx';

/**
 * Navigation for signed-in staff, with the sign-out form (POST + CSRF).
 * @deprecated The staff page frame renders the navigation registry (`StaffPage` in
 * src/platform/ui); kept only until the case pages are converted.
 */
export function StaffNav(props: {
  locale: Locale;
  csrf: string;
  email: string;
  roleKey: MessageKey;
  showAdmin: boolean;
  showCases: boolean;
  /** The pathways knowledge base's staleness report (coordinators, admins). */
  showPathwaysReview?: boolean;
  /** The vetting review queue (vetting officers; coordinators oversee it). */
  showVetting?: boolean;
}) {
  const l = props.locale;
  const links: [boolean | undefined, string, MessageKey][] = [
    [true, '/staff', 'staff.home'],
    [props.showCases, '/staff/cases', 'staff.cases'],
    [props.showVetting, '/staff/vetting', 'staff.vetting'],
    [props.showAdmin, '/staff/admin', 'staff.admin'],
    [props.showPathwaysReview, '/staff/pathways/staleness', 'staff.pathways_review'],
  ];
  return (
    <StaffNavBar
      locale={l}
      nav={{
        links: links.filter(([show]) => show === true).map(([, href, key]) => ({ href, label: t(l, key) })),
        signedInAs: t(l, 'staff.signed_in_as', { email: props.email, role: t(l, props.roleKey) }),
        csrf: props.csrf,
        signOutAction: '/staff/logout',
      }}
    />
  );
}

export function LoginPage(props: { frame: StaffFrame; csrf: string; email?: string; keys?: boolean }) {
  const l = props.frame.locale;
  return (
    <StaffPage frame={props.frame} title={t(l, 'staff.sign_in')} path="/staff/login">
      {props.keys === true ? <KeySignIn locale={l} csrf={props.csrf} /> : null}
      <form method="post" action={`/staff/login?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <Field locale={l} name="email" label={t(l, 'staff.email')}>
          {(a) => <input {...a} type="email" autocomplete="username" required value={props.email ?? ''} />}
        </Field>
        <Field locale={l} name="password" label={t(l, 'staff.password')}>
          {(a) => <input {...a} type="password" autocomplete="current-password" required />}
        </Field>
        <Field locale={l} name="totp" label={t(l, 'staff.totp_code')}>
          {(a) => (
            <input
              {...a}
              inputmode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9]{6}"
              maxlength={6}
              required
            />
          )}
        </Field>
        <button type="submit">{t(l, 'staff.sign_in')}</button>
      </form>
    </StaffPage>
  );
}

export function EnrolPage(props: {
  frame: StaffFrame;
  csrf: string;
  token: string;
  email: string;
  secret: string;
  uri: string;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const errors = props.errors;
  return (
    <StaffPage frame={props.frame} title={t(l, 'enrol.title')} path={`/staff/enrol/${props.token}`}>
      <p>{props.email}</p>
      <p class="notice">{t(l, 'enrol.intro')}</p>
      <figure id="totp-qr">
        <QrCode text={props.uri} label={authMessages(l, 'auth.enrol_qr_label')} />
        <figcaption>{authMessages(l, 'auth.enrol_qr')}</figcaption>
      </figure>
      <p>
        {t(l, 'enrol.secret')}:{' '}
        <code class="secret" id="totp-secret">
          {props.secret}
        </code>
      </p>
      <p>
        {t(l, 'enrol.uri')}: <code class="secret">{props.uri}</code>
      </p>
      <form method="post" action={`/staff/enrol/${props.token}?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <NewPasswordFields locale={l} errors={errors} />
        <button type="submit">{t(l, 'enrol.submit')}</button>
      </form>
    </StaffPage>
  );
}

/** What a GET of the enrolment link shows: no secret, no email; one button that POSTs. */
export function EnrolStartPage(props: { frame: StaffFrame; csrf: string; token: string }) {
  const l = props.frame.locale;
  return (
    <StaffPage frame={props.frame} title={t(l, 'enrol.title')} path={`/staff/enrol/${props.token}`}>
      <p class="notice">{t(l, 'enrol.start_intro')}</p>
      <form method="post" action={`/staff/enrol/${props.token}/start?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <button type="submit">{t(l, 'enrol.start')}</button>
      </form>
    </StaffPage>
  );
}

export function EnrolDonePage(props: { frame: StaffFrame }) {
  const l = props.frame.locale;
  return <LinkDonePage frame={props.frame} title={t(l, 'enrol.title')} text={t(l, 'enrol.done')} />;
}

/** After a single-use link did its work: what happened, and the way to sign in. */
function LinkDonePage(props: { frame: StaffFrame; title: string; text: string }) {
  const l = props.frame.locale;
  return (
    <StaffPage frame={props.frame} title={props.title} path="/staff/login">
      <p class="ok" role="status">
        {props.text}
      </p>
      <p>
        <a href={`/staff/login?lang=${l}`}>{t(l, 'staff.sign_in')}</a>
      </p>
    </StaffPage>
  );
}

export function StaffHomePage(props: {
  frame: StaffFrame;
  /** Accounts with many failed sign-ins (ADR 0090); shown to those who may list staff. */
  signInAlerts?: number;
  /** The form token for "seal now" (issue 18: any staff member, from their own session). */
  csrf?: string;
  /** Other modules' sections (home-sections.ts); none on the duress decoy. */
  sections?: ComponentChildren[];
}) {
  const l = props.frame.locale;
  // The shortcut to the case queue is there when the navigation has it (the cases module's entry).
  const cases = props.frame.nav?.links.find((link) => link.href === '/staff/cases');
  return (
    <StaffPage frame={props.frame} title={t(l, 'staff.home')} path="/staff">
      {props.signInAlerts === undefined || props.signInAlerts === 0 ? null : (
        <p class="alert" role="alert" id="sign-in-alert-count">
          <a href={`/staff/admin?lang=${l}#sign-in-alerts`}>
            {authMessages(l, 'auth.sign_in_alerts', { count: props.signInAlerts })}
          </a>
        </p>
      )}
      <p>{t(l, 'staff.welcome')}</p>
      {props.sections}
      <p>
        <a href={`/staff/account/keys?lang=${l}`} id="own-keys-link">
          {wm(l, 'webauthn.keys_title')}
        </a>
      </p>
      <p>
        <a href={`/staff/account/duress?lang=${l}`} id="duress-link">
          {authMessages(l, 'auth.duress')}
        </a>
      </p>
      {cases === undefined ? null : (
        <p>
          <a href={`${cases.href}?lang=${l}`}>{cases.label}</a>
        </p>
      )}
      {props.csrf === undefined ? null : (
        <form method="post" action={`/staff/admin/panic/seal?lang=${l}`} id="panic">
          <CsrfField token={props.csrf} />
          <p class="notice">{authMessages(l, 'auth.panic_help')}</p>
          <label>
            <input type="checkbox" name="confirm" value="seal" required />{' '}
            {authMessages(l, 'auth.panic_confirm')}
          </label>{' '}
          <button type="submit" class="danger">
            {t(l, 'admin.seal_now')}
          </button>
        </form>
      )}
    </StaffPage>
  );
}

/**
 * After sealing: no navigation (the keys are gone), one alert: how this server is unsealed
 * (`body`, when the caller knows better than the default text, e.g. a development key file).
 */
export function SealedPage(props: { locale: Locale; path: string; body?: string | undefined }) {
  const l = props.locale;
  return (
    <StaffPage
      frame={{ locale: l, error: props.body ?? t(l, 'sealed.body') }}
      title={t(l, 'sealed.title')}
      path={props.path}
    />
  );
}

/**
 * A password-reset link (ADR 0190): a new password twice and the current TOTP code. The page
 * shows nothing about the account, so a link preview or a proxy learns nothing from a GET.
 */
export function PasswordResetPage(props: {
  frame: StaffFrame;
  csrf: string;
  token: string;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const errors = props.errors;
  return (
    <StaffPage
      frame={props.frame}
      title={authMessages(l, 'auth.password_title')}
      path={`/staff/password/${props.token}`}
    >
      <p class="notice">{authMessages(l, 'auth.password_intro')}</p>
      <form method="post" action={`/staff/password/${props.token}?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <NewPasswordFields locale={l} errors={errors} />
        <button type="submit">{authMessages(l, 'auth.password_submit')}</button>
      </form>
    </StaffPage>
  );
}

export function PasswordDonePage(props: { frame: StaffFrame }) {
  const l = props.frame.locale;
  return (
    <LinkDonePage
      frame={props.frame}
      title={authMessages(l, 'auth.password_title')}
      text={authMessages(l, 'auth.password_done')}
    />
  );
}

/** A new password twice and a TOTP code: the enrolment and password-reset forms. */
function NewPasswordFields(props: { locale: Locale; errors?: FieldErrors | undefined }) {
  const l = props.locale;
  const errors = props.errors;
  return (
    <>
      <Field locale={l} name="password" label={t(l, 'staff.password')} errors={errors}>
        {(a) => <input {...a} type="password" autocomplete="new-password" minlength={12} required />}
      </Field>
      <Field locale={l} name="passwordRepeat" label={t(l, 'staff.password_repeat')} errors={errors}>
        {(a) => <input {...a} type="password" autocomplete="new-password" required />}
      </Field>
      <Field locale={l} name="totp" label={t(l, 'staff.totp_code')} errors={errors}>
        {(a) => <input {...a} inputmode="numeric" autocomplete="one-time-code" maxlength={6} required />}
      </Field>
    </>
  );
}
