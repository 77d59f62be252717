import { CsrfField, StaffLayout } from '../../platform/html.tsx';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import { authMessages } from './auth.messages.ts';

/** Navigation for signed-in staff, with the sign-out form (POST + CSRF). */
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
  return (
    <nav aria-label="staff">
      <a href={`/staff?lang=${l}`}>{t(l, 'staff.home')}</a>
      {props.showCases ? <a href={`/staff/cases?lang=${l}`}>{t(l, 'staff.cases')}</a> : null}
      {props.showVetting === true ? <a href={`/staff/vetting?lang=${l}`}>{t(l, 'staff.vetting')}</a> : null}
      {props.showAdmin ? <a href={`/staff/admin?lang=${l}`}>{t(l, 'staff.admin')}</a> : null}
      {props.showPathwaysReview === true ? (
        <a href={`/staff/pathways/staleness?lang=${l}`}>{t(l, 'staff.pathways_review')}</a>
      ) : null}
      <span>{t(l, 'staff.signed_in_as', { email: props.email, role: t(l, props.roleKey) })}</span>{' '}
      <form method="post" action={`/staff/logout?lang=${l}`} class="inline">
        <CsrfField token={props.csrf} />
        <button type="submit">{t(l, 'staff.sign_out')}</button>
      </form>
    </nav>
  );
}

function FieldError(props: { locale: Locale; errors: Record<string, string> | undefined; name: string }) {
  const key = props.errors?.[props.name];
  if (key === undefined) return null;
  return (
    <span class="error" id={`${props.name}-error`}>
      {t(props.locale, key as MessageKey)}
    </span>
  );
}

export function LoginPage(props: {
  locale: Locale;
  csrf: string;
  error?: string | undefined;
  email?: string;
}) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'staff.sign_in')} path="/staff/login">
      {props.error === undefined ? null : (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action={`/staff/login?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <div>
          <label for="email">{t(l, 'staff.email')}</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={props.email ?? ''}
          />
        </div>
        <div>
          <label for="password">{t(l, 'staff.password')}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div>
          <label for="totp">{t(l, 'staff.totp_code')}</label>
          <input
            id="totp"
            name="totp"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            maxlength={6}
            required
          />
        </div>
        <button type="submit">{t(l, 'staff.sign_in')}</button>
      </form>
    </StaffLayout>
  );
}

export function EnrolPage(props: {
  locale: Locale;
  csrf: string;
  token: string;
  email: string;
  secret: string;
  uri: string;
  errors?: Record<string, string> | undefined;
}) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'enrol.title')} path={`/staff/enrol/${props.token}`}>
      <p>{props.email}</p>
      <p class="notice">{t(l, 'enrol.intro')}</p>
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
        <div>
          <label for="password">{t(l, 'staff.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={12}
            required
          />
          <FieldError locale={l} errors={props.errors} name="password" />
        </div>
        <div>
          <label for="passwordRepeat">{t(l, 'staff.password_repeat')}</label>
          <input
            id="passwordRepeat"
            name="passwordRepeat"
            type="password"
            autocomplete="new-password"
            required
          />
          <FieldError locale={l} errors={props.errors} name="passwordRepeat" />
        </div>
        <div>
          <label for="totp">{t(l, 'staff.totp_code')}</label>
          <input
            id="totp"
            name="totp"
            inputmode="numeric"
            autocomplete="one-time-code"
            maxlength={6}
            required
          />
          <FieldError locale={l} errors={props.errors} name="totp" />
        </div>
        <button type="submit">{t(l, 'enrol.submit')}</button>
      </form>
    </StaffLayout>
  );
}

/** What a GET of the enrolment link shows: no secret, no email; one button that POSTs. */
export function EnrolStartPage(props: { locale: Locale; csrf: string; token: string }) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'enrol.title')} path={`/staff/enrol/${props.token}`}>
      <p class="notice">{t(l, 'enrol.start_intro')}</p>
      <form method="post" action={`/staff/enrol/${props.token}/start?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <button type="submit">{t(l, 'enrol.start')}</button>
      </form>
    </StaffLayout>
  );
}

export function EnrolDonePage(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'enrol.title')} path="/staff/login">
      <p class="ok" role="status">
        {t(l, 'enrol.done')}
      </p>
      <p>
        <a href={`/staff/login?lang=${l}`}>{t(l, 'staff.sign_in')}</a>
      </p>
    </StaffLayout>
  );
}

export function StaffHomePage(props: {
  locale: Locale;
  nav: preact.ComponentChildren;
  showCases: boolean;
  /** Accounts with many failed sign-ins (ADR 0090); shown to those who may list staff. */
  signInAlerts?: number;
}) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'staff.home')} path="/staff" nav={props.nav}>
      {props.signInAlerts === undefined || props.signInAlerts === 0 ? null : (
        <p class="alert" role="alert" id="sign-in-alert-count">
          <a href={`/staff/admin?lang=${l}#sign-in-alerts`}>
            {authMessages(l, 'auth.sign_in_alerts', { count: props.signInAlerts })}
          </a>
        </p>
      )}
      <p>{t(l, 'staff.welcome')}</p>
      {props.showCases ? (
        <p>
          <a href={`/staff/cases?lang=${l}`}>{t(l, 'staff.cases')}</a>
        </p>
      ) : null}
    </StaffLayout>
  );
}

export function SealedPage(props: { locale: Locale; path: string }) {
  const l = props.locale;
  return (
    <StaffLayout locale={l} title={t(l, 'sealed.title')} path={props.path}>
      <p class="alert" role="alert">
        {t(l, 'sealed.body')}
      </p>
    </StaffLayout>
  );
}
