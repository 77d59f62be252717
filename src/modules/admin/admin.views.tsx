import { STAFF_ROLES } from '../../access/index.ts';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  type FieldControlProps,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { type StaffSummary, webauthnMessages } from '../auth/index.ts';
import { caseAccessMessages } from '../case-access/index.ts';
import { SilenceAlarm } from '../witness/index.ts';
import { am } from './admin.messages.ts';
import type { AdminOverview } from './admin.service.ts';

export function AdminPage(props: {
  frame: StaffFrame;
  csrf: string;
  overview: AdminOverview;
  selfId: string;
  canCreate: boolean;
  createdLink?: string | undefined;
}) {
  const l = props.frame.locale;
  const o = props.overview;
  // Nobody acts on their own account through these forms (ADR 0190).
  const others = (status: StaffSummary['status']) =>
    (o.staff ?? []).filter((s) => s.status === status && s.id !== props.selfId);
  return (
    <StaffPage frame={props.frame} title={t(l, 'staff.admin')} path="/staff/admin">
      {o.signInAlerts === null || o.signInAlerts.length === 0 ? null : (
        <section aria-labelledby="sign-in-alerts-h" id="sign-in-alerts" role="alert">
          <h2 id="sign-in-alerts-h">{am(l, 'admin.sign_in_alerts')}</h2>
          <ul>
            {o.signInAlerts.map((a) => (
              <li key={a.staffId} data-staff-id={a.staffId}>
                {am(l, 'admin.sign_in_alert', { email: a.email, count: a.failures, right: a.rightPassword })}
              </li>
            ))}
          </ul>
          <p class="notice">{am(l, 'admin.sign_in_alert_help')}</p>
        </section>
      )}
      {o.forks === null || o.forks.length === 0 ? null : (
        <section aria-labelledby="forks-h" id="forks" role="alert">
          <h2 id="forks-h">{am(l, 'admin.forks')}</h2>
          <p class="notice">{am(l, 'admin.forks_help')}</p>
          <ul>
            {o.forks.map((f) => (
              <li key={f.id} data-fork={f.id}>
                {am(l, 'admin.fork', {
                  log: f.log,
                  seq: f.seq,
                  origin: f.origin === 'self' ? am(l, 'admin.fork_self') : f.origin,
                  seen: f.seenBy,
                  at: f.raisedAt.toISOString().slice(0, 16).replace('T', ' '),
                })}{' '}
                <code>{f.firstHead.slice(0, 16)}</code> / <code>{f.secondHead.slice(0, 16)}</code>
                {o.canAcknowledgeForks ? (
                  <form method="post" action={`/staff/admin/forks/${f.id}/acknowledge?lang=${l}`}>
                    <CsrfField token={props.csrf} />
                    <button type="submit">{am(l, 'admin.fork_acknowledge')}</button>
                  </form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      )}
      <SilenceAlarm
        locale={l}
        csrf={props.csrf}
        silences={o.silences}
        minutes={o.silenceMinutes}
        canAcknowledge={o.canAcknowledgeForks}
      />
      <section aria-labelledby="requests-h" id="requests">
        <h2 id="requests-h">{am(l, 'admin.requests')}</h2>
        {o.requests.length === 0 ? (
          <p>{am(l, 'admin.requests_none')}</p>
        ) : (
          <ul>
            {o.requests.map((r) => (
              <li key={r.id} data-request={r.id}>
                <strong>{caseAccessMessages(l, `cases.approvals.kind.${r.kind}`)}</strong> ({r.requestedBy},{' '}
                {r.requestedAt.toISOString().slice(0, 16).replace('T', ' ')};{' '}
                {r.expired
                  ? am(l, 'admin.request_expired')
                  : `${am(l, 'admin.request_expires')} ${r.expiresAt?.toISOString().slice(0, 16).replace('T', ' ') ?? '—'}`}
                )
                <ul>
                  {r.details.map((d) => (
                    <li key={d}>
                      <code>{d}</code>
                    </li>
                  ))}
                </ul>
                {r.canDecide ? (
                  ['approve', 'reject'].map((d) => (
                    <form method="post" action={`/staff/admin/requests/${r.id}/${d}?lang=${l}`} key={d}>
                      <CsrfField token={props.csrf} />
                      <button type="submit" class={d === 'reject' ? 'danger' : undefined}>
                        {am(l, d === 'approve' ? 'admin.approve' : 'admin.reject')}
                      </button>
                    </form>
                  ))
                ) : r.mine ? (
                  <p class="notice">{am(l, 'admin.request_mine')}</p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      {o.seal === null ? null : (
        <section aria-labelledby="seal-h">
          <h2 id="seal-h">{t(l, 'admin.seal_status')}</h2>
          <p id="seal-status">
            {o.seal.sealed ? t(l, 'admin.sealed') : t(l, 'admin.unsealed')}
            {o.seal.keyId === null ? null : <code> {o.seal.keyId}</code>}
            {o.seal.mode === 'dev' ? <span class="alert"> (development key file)</span> : null}
          </p>
          {o.canSeal ? (
            <form method="post" action={`/staff/admin/seal?lang=${l}`} id="seal">
              <CsrfField token={props.csrf} />
              <p class="notice">{t(l, 'admin.seal_confirm')}</p>
              <p>
                <label>
                  <input type="checkbox" name="confirm" value="seal" required />{' '}
                  {am(l, 'admin.seal_confirm_box')}
                </label>
              </p>
              <button type="submit" class="danger">
                {t(l, 'admin.seal_now')}
              </button>
            </form>
          ) : null}
        </section>
      )}
      {o.auditEntries === null ? null : (
        <p>
          {t(l, 'admin.audit')}: {t(l, 'admin.audit_entries', { count: o.auditEntries })}.{' '}
          {o.canReadAudit ? (
            <a href={`/staff/admin/audit?lang=${l}`} id="audit-log-link">
              {am(l, 'admin.audit_link')}
            </a>
          ) : null}
        </p>
      )}
      {o.staff === null ? null : (
        <section aria-labelledby="staff-h">
          <h2 id="staff-h">{t(l, 'admin.staff')}</h2>
          <DataTable<StaffSummary>
            rows={o.staff}
            rowKey={(row) => row.id}
            rowAttributes={(row) => ({ 'data-staff-id': row.id })}
            empty={t(l, 'admin.no_staff')}
            columns={[
              { key: 'email', header: t(l, 'staff.email'), cell: (row) => row.email },
              {
                key: 'role',
                header: t(l, 'admin.role'),
                cell: (row) => t(l, `role.${row.role}` as MessageKey),
              },
              {
                key: 'status',
                header: t(l, 'admin.status'),
                cell: (row) =>
                  row.status === 'active'
                    ? t(l, 'admin.active')
                    : row.status === 'pending'
                      ? t(l, 'admin.pending')
                      : t(l, 'admin.disabled'),
              },
              {
                key: 'disable',
                header: <span class="skip">{t(l, 'admin.disable')}</span>,
                cell: (row) =>
                  row.status !== 'disabled' && row.id !== props.selfId ? (
                    <form method="post" action={`/staff/admin/staff/${row.id}/disable?lang=${l}`}>
                      <CsrfField token={props.csrf} />
                      <button type="submit" class="danger">
                        {t(l, 'admin.disable')}
                      </button>
                    </form>
                  ) : null,
              },
              {
                key: 'enrolment',
                header: <span class="skip">{am(l, 'admin.reissue')}</span>,
                cell: (row) =>
                  props.canCreate && row.status === 'pending' && row.id !== props.selfId ? (
                    <form method="post" action={`/staff/admin/staff/${row.id}/enrolment?lang=${l}`}>
                      <CsrfField token={props.csrf} />
                      <button type="submit">{am(l, 'admin.reissue')}</button>
                    </form>
                  ) : null,
              },
            ]}
          />
          {props.canCreate ? (
            <form method="post" action={`/staff/admin/staff?lang=${l}`} class="stack">
              <h3>{t(l, 'admin.create_staff')}</h3>
              <CsrfField token={props.csrf} />
              <Field locale={l} id="new-email" name="email" label={t(l, 'staff.email')}>
                {(a) => <input {...a} type="email" required />}
              </Field>
              <Field locale={l} id="new-role" name="role" label={t(l, 'admin.role')}>
                {(a) => <RoleSelect locale={l} attrs={a} />}
              </Field>
              <button type="submit">{t(l, 'admin.create_staff')}</button>
            </form>
          ) : null}
          {props.canCreate && o.staff.length > 0 ? (
            <>
              <form method="post" action={`/staff/admin/requests/role?lang=${l}`} class="stack">
                <h3>{am(l, 'admin.change_role')}</h3>
                <p class="notice">{am(l, 'admin.role_help')}</p>
                <CsrfField token={props.csrf} />
                <StaffSelect locale={l} id="role-staff" staff={others('active')} />
                <Field locale={l} id="role-role" name="role" label={t(l, 'admin.role')}>
                  {(a) => <RoleSelect locale={l} attrs={a} />}
                </Field>
                <button type="submit">{am(l, 'admin.change_role')}</button>
              </form>
              <form method="post" action={`/staff/admin/requests/keys-rotate?lang=${l}`} class="stack">
                <h3>{am(l, 'admin.rotate_key')}</h3>
                <p class="notice">{am(l, 'admin.rotate_key_help')}</p>
                <CsrfField token={props.csrf} />
                <Field locale={l} id="rotate-shares" name="shares" label={am(l, 'admin.rotate_shares')}>
                  {(a) => <input {...a} type="number" min="2" max="20" />}
                </Field>
                <Field
                  locale={l}
                  id="rotate-threshold"
                  name="threshold"
                  label={am(l, 'admin.rotate_threshold')}
                >
                  {(a) => <input {...a} type="number" min="2" max="20" />}
                </Field>
                <button type="submit">{am(l, 'admin.rotate_key')}</button>
              </form>
              <form method="post" action={`/staff/admin/requests/second-factor?lang=${l}`} class="stack">
                <h3>{am(l, 'admin.reset_second_factor')}</h3>
                <CsrfField token={props.csrf} />
                <StaffSelect locale={l} id="reset-staff" staff={others('active')} />
                <button type="submit">{am(l, 'admin.reset_second_factor')}</button>
              </form>
              <form method="post" action={`/staff/admin/requests/password?lang=${l}`} class="stack">
                <h3>{am(l, 'admin.password_reset')}</h3>
                <p class="notice">{am(l, 'admin.password_reset_help')}</p>
                <CsrfField token={props.csrf} />
                <StaffSelect locale={l} id="password-staff" staff={others('active')} />
                <button type="submit">{am(l, 'admin.password_reset')}</button>
              </form>
              {others('disabled').length === 0 ? null : (
                <form method="post" action={`/staff/admin/requests/re-enable?lang=${l}`} class="stack">
                  <h3>{am(l, 'admin.reenable')}</h3>
                  <CsrfField token={props.csrf} />
                  <StaffSelect locale={l} id="reenable-staff" staff={others('disabled')} />
                  <button type="submit">{am(l, 'admin.reenable')}</button>
                </form>
              )}
              <ul>
                <li>
                  <a href={`/staff/admin/sign-in-policy?lang=${l}`} id="sign-in-policy-link">
                    {webauthnMessages(l, 'webauthn.policy_title')}
                  </a>
                </li>
                <li>
                  <a href={`/staff/intake/partners?lang=${l}`} id="partner-tokens-link">
                    {am(l, 'admin.partner_tokens')}
                  </a>
                </li>
              </ul>
            </>
          ) : null}
          {props.createdLink === undefined ? null : (
            <p class="notice" role="status" id="created-link">
              {props.createdLink.includes('/staff/password/')
                ? am(l, 'admin.reset_link')
                : t(l, 'admin.enrolment_link')}
              : <code class="secret">{props.createdLink}</code>
            </p>
          )}
        </section>
      )}
    </StaffPage>
  );
}

function RoleSelect(props: { locale: Locale; attrs: FieldControlProps }) {
  return (
    <select {...props.attrs}>
      {STAFF_ROLES.map((r) => (
        <option value={r} key={r}>
          {t(props.locale, `role.${r}` as MessageKey)}
        </option>
      ))}
    </select>
  );
}

/** The active accounts, for a two-person act about one of them. */
function StaffSelect(props: { locale: Locale; id: string; staff: StaffSummary[] }) {
  return (
    <Field locale={props.locale} id={props.id} name="staffId" label={t(props.locale, 'staff.email')}>
      {(a) => (
        <select {...a}>
          {props.staff.map((s) => (
            <option value={s.id} key={s.id}>
              {s.email}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
