import type { ComponentChildren } from 'preact';
import { STAFF_ROLES } from '../../access/index.ts';
import { CsrfField, StaffLayout } from '../../platform/html.tsx';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import { am } from './admin.messages.ts';
import type { AdminOverview } from './admin.service.ts';

export function AdminPage(props: {
  locale: Locale;
  nav: ComponentChildren;
  csrf: string;
  overview: AdminOverview;
  selfId: string;
  canCreate: boolean;
  flash?: string | undefined;
  createdLink?: string | undefined;
}) {
  const l = props.locale;
  const o = props.overview;
  return (
    <StaffLayout locale={l} title={t(l, 'staff.admin')} path="/staff/admin" nav={props.nav}>
      {props.flash === undefined ? null : (
        <p class="ok" role="status">
          {props.flash}
        </p>
      )}
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
      {o.seal === null ? null : (
        <section aria-labelledby="seal-h">
          <h2 id="seal-h">{t(l, 'admin.seal_status')}</h2>
          <p id="seal-status">
            {o.seal.sealed ? t(l, 'admin.sealed') : t(l, 'admin.unsealed')}
            {o.seal.keyId === null ? null : <code> {o.seal.keyId}</code>}
            {o.seal.mode === 'dev' ? <span class="alert"> (development key file)</span> : null}
          </p>
          {o.canSeal ? (
            <form method="post" action={`/staff/admin/seal?lang=${l}`}>
              <CsrfField token={props.csrf} />
              <p class="notice">{t(l, 'admin.seal_confirm')}</p>
              <button type="submit" class="danger">
                {t(l, 'admin.seal_now')}
              </button>
            </form>
          ) : null}
        </section>
      )}
      {o.auditEntries === null ? null : (
        <p>
          {t(l, 'admin.audit')}: {t(l, 'admin.audit_entries', { count: o.auditEntries })}
        </p>
      )}
      {o.staff === null ? null : (
        <section aria-labelledby="staff-h">
          <h2 id="staff-h">{t(l, 'admin.staff')}</h2>
          {o.staff.length === 0 ? (
            <p>{t(l, 'admin.no_staff')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t(l, 'staff.email')}</th>
                  <th scope="col">{t(l, 'admin.role')}</th>
                  <th scope="col">{t(l, 'admin.status')}</th>
                  <th scope="col">
                    <span class="skip">{t(l, 'admin.disable')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {o.staff.map((s) => (
                  <tr key={s.id} data-staff-id={s.id}>
                    <td>{s.email}</td>
                    <td>{t(l, `role.${s.role}` as MessageKey)}</td>
                    <td>
                      {s.status === 'active'
                        ? t(l, 'admin.active')
                        : s.status === 'pending'
                          ? t(l, 'admin.pending')
                          : t(l, 'admin.disabled')}
                    </td>
                    <td>
                      {s.status !== 'disabled' && s.id !== props.selfId ? (
                        <form method="post" action={`/staff/admin/staff/${s.id}/disable?lang=${l}`}>
                          <CsrfField token={props.csrf} />
                          <button type="submit" class="danger">
                            {t(l, 'admin.disable')}
                          </button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {props.canCreate ? (
            <form method="post" action={`/staff/admin/staff?lang=${l}`} class="stack">
              <h3>{t(l, 'admin.create_staff')}</h3>
              <CsrfField token={props.csrf} />
              <div>
                <label for="new-email">{t(l, 'staff.email')}</label>
                <input id="new-email" name="email" type="email" required />
              </div>
              <div>
                <label for="new-role">{t(l, 'admin.role')}</label>
                <select id="new-role" name="role">
                  {STAFF_ROLES.map((r) => (
                    <option value={r} key={r}>
                      {t(l, `role.${r}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit">{t(l, 'admin.create_staff')}</button>
            </form>
          ) : null}
          {props.createdLink === undefined ? null : (
            <p class="notice" role="status">
              {t(l, 'admin.enrolment_link')}: <code class="secret">{props.createdLink}</code>
            </p>
          )}
        </section>
      )}
    </StaffLayout>
  );
}
