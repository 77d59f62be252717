import { STAFF_ROLES } from '../../access/index.ts';
import { CsrfField } from '../../platform/html.tsx';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import { type Column, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { AuthPolicy } from './sign-in-policy.ts';
import { wm } from './webauthn.messages.ts';
import type { KeySummary } from './webauthn.service.ts';

/** The one script of the key ceremonies, served by this server (ADR 0174). */
export const WEBAUTHN_SCRIPT = '/assets/staff-webauthn.js';

const day = (d: Date | null, l: Locale) =>
  d === null ? wm(l, 'webauthn.never') : d.toISOString().slice(0, 10);

/** Shown to browsers without JavaScript or WebAuthn (the script hides it). */
function NeedsScript(props: { locale: Locale }) {
  return (
    <p class="notice" data-webauthn-fallback="">
      {wm(props.locale, 'webauthn.needs_js')}
    </p>
  );
}

/** The sign-in page's key button: hidden until the script finds WebAuthn. */
export function KeySignIn(props: { locale: Locale; csrf: string }) {
  const l = props.locale;
  return (
    <section
      id="webauthn-sign-in"
      hidden
      aria-labelledby="webauthn-sign-in-button"
      data-csrf={props.csrf}
      data-options={`/staff/login/webauthn/options?lang=${l}`}
      data-verify={`/staff/login/webauthn?lang=${l}`}
      data-waiting={wm(l, 'webauthn.waiting')}
      data-cancelled={wm(l, 'webauthn.cancelled')}
    >
      <p>
        <button type="button" id="webauthn-sign-in-button">
          {wm(l, 'webauthn.sign_in')}
        </button>
      </p>
      <p role="status" />
      <p>{wm(l, 'webauthn.sign_in_or')}</p>
      <script src={WEBAUTHN_SCRIPT} defer />
    </section>
  );
}

export function KeysPage(props: {
  frame: StaffFrame;
  csrf: string;
  keys: readonly KeySummary[];
  mustEnrol: boolean;
  /** False where browsers cannot use keys (the staff URL's host is an IP address). */
  available: boolean;
}) {
  const l = props.frame.locale;
  const columns: Column<KeySummary>[] = [
    { key: 'name', header: wm(l, 'webauthn.name'), cell: (k) => k.name, rowHeader: true },
    {
      key: 'kind',
      header: wm(l, 'webauthn.kind'),
      cell: (k) => wm(l, k.kind === 'synced' ? 'webauthn.kind_synced' : 'webauthn.kind_device'),
    },
    { key: 'added', header: wm(l, 'webauthn.added'), cell: (k) => day(k.createdAt, l) },
    { key: 'used', header: wm(l, 'webauthn.last_used'), cell: (k) => day(k.lastUsedAt, l) },
    {
      key: 'actions',
      header: wm(l, 'webauthn.actions'),
      cell: (k) => (
        <div class="stack">
          <form method="post" action={`/staff/account/keys/${k.id}/rename?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} />
            <label>
              <span class="visually-hidden">{`${wm(l, 'webauthn.name')} (${k.name})`}</span>
              <input name="name" value={k.name} maxlength={60} required />
            </label>{' '}
            <button type="submit">{wm(l, 'webauthn.rename')}</button>
          </form>
          <form method="post" action={`/staff/account/keys/${k.id}/remove?lang=${l}`} class="inline">
            <CsrfField token={props.csrf} />
            <button type="submit" class="danger" aria-label={`${wm(l, 'webauthn.remove')}: ${k.name}`}>
              {wm(l, 'webauthn.remove')}
            </button>
          </form>
        </div>
      ),
    },
  ];
  return (
    <StaffPage frame={props.frame} title={wm(l, 'webauthn.keys_title')} path="/staff/account/keys">
      {props.mustEnrol ? (
        <p class="alert" role="alert" id="webauthn-must-enrol">
          {wm(l, 'webauthn.must_enrol')}
        </p>
      ) : null}
      <p>{wm(l, 'webauthn.intro')}</p>
      <DataTable
        id="webauthn-keys"
        columns={columns}
        rows={props.keys}
        rowKey={(k) => k.id}
        rowAttributes={(k) => ({ 'data-key': k.id })}
        empty={wm(l, 'webauthn.none')}
        caption={wm(l, 'webauthn.keys_title')}
      />
      <h2>{wm(l, 'webauthn.add')}</h2>
      {props.available ? <NeedsScript locale={l} /> : <p class="notice">{wm(l, 'webauthn.unavailable')}</p>}
      <section
        id={props.available ? 'webauthn-add' : undefined}
        hidden
        aria-label={wm(l, 'webauthn.add')}
        data-csrf={props.csrf}
        data-options={`/staff/account/keys/options?lang=${l}`}
        data-verify={`/staff/account/keys?lang=${l}`}
        data-waiting={wm(l, 'webauthn.waiting')}
        data-cancelled={wm(l, 'webauthn.cancelled')}
      >
        <form method="post" action={`/staff/account/keys?lang=${l}`} class="stack">
          <Field locale={l} name="name" label={wm(l, 'webauthn.name')}>
            {(a) => <input {...a} maxlength={60} required aria-describedby="webauthn-name-hint" />}
          </Field>
          <p id="webauthn-name-hint">{wm(l, 'webauthn.name_hint')}</p>
          <button type="submit">{wm(l, 'webauthn.add')}</button>
        </form>
        <p role="status" />
      </section>
      <p>{wm(l, 'webauthn.lost_keys')}</p>
      <script src={WEBAUTHN_SCRIPT} defer />
    </StaffPage>
  );
}

/** The administrators' page for the organisation's sign-in policy (a two-person act). */
export function SignInPolicyPage(props: { frame: StaffFrame; csrf: string; policy: AuthPolicy }) {
  const l = props.frame.locale;
  const p = props.policy;
  const roleName = (r: string) => t(l, `role.${r}` as MessageKey);
  return (
    <StaffPage frame={props.frame} title={wm(l, 'webauthn.policy_title')} path="/staff/admin/sign-in-policy">
      <p>{wm(l, 'webauthn.policy_intro')}</p>
      <h2>{wm(l, 'webauthn.policy_current')}</h2>
      <dl id="sign-in-policy">
        <dt>{wm(l, 'webauthn.policy_roles')}</dt>
        <dd>
          {p.webauthnRoles.length === 0
            ? wm(l, 'webauthn.policy_none')
            : p.webauthnRoles.map(roleName).join(', ')}
        </dd>
        <dt>{wm(l, 'webauthn.policy_totp')}</dt>
        <dd>{wm(l, p.totpFallback ? 'webauthn.yes' : 'webauthn.no')}</dd>
      </dl>
      <form method="post" action={`/staff/admin/sign-in-policy?lang=${l}`} class="stack">
        <CsrfField token={props.csrf} />
        <fieldset>
          <legend>{wm(l, 'webauthn.policy_roles')}</legend>
          {STAFF_ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" name="roles" value={r} checked={p.webauthnRoles.includes(r)} />{' '}
              {roleName(r)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{wm(l, 'webauthn.policy_totp')}</legend>
          <label>
            <input type="radio" name="totpFallback" value="yes" checked={p.totpFallback} />{' '}
            {wm(l, 'webauthn.yes')}
          </label>
          <label>
            <input type="radio" name="totpFallback" value="no" checked={!p.totpFallback} />{' '}
            {wm(l, 'webauthn.no')}
          </label>
        </fieldset>
        <button type="submit">{wm(l, 'webauthn.policy_submit')}</button>
      </form>
    </StaffPage>
  );
}
