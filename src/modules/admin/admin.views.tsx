import { STAFF_ROLES } from '../../access/index.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import { CsrfField, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { StaffSummary } from '../auth/staff.service.ts';
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
                {(a) => (
                  <select {...a}>
                    {STAFF_ROLES.map((r) => (
                      <option value={r} key={r}>
                        {t(l, `role.${r}` as MessageKey)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
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
    </StaffPage>
  );
}
