import type { Locale } from '../../platform/i18n/index.ts';
import { CsrfField, DataTable, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { casesMessages } from '../cases/index.ts';
import type { HomeOverview } from './home.service.ts';
import { notificationsMessages as m } from './notifications.messages.ts';
import type { NotificationItem } from './notifications.service.ts';

const caseLink = (l: Locale, ref: string) => <a href={`/staff/cases/${ref}?lang=${l}`}>{ref}</a>;

/** The home page's overview section (issue 21 item 3): counts with links, then three short tables. */
export function HomeOverviewSection(props: { locale: Locale; overview: HomeOverview }) {
  const l = props.locale;
  const o = props.overview;
  return (
    <section id="home-overview" aria-label={m(l, 'notifications.title')}>
      {o.unread === 0 ? null : (
        <p id="home-unread">
          <a href={`/staff/notifications?lang=${l}`}>{m(l, 'home.notifications', { count: o.unread })}</a>
        </p>
      )}
      {o.caseApprovals === 0 ? null : (
        <p id="home-case-approvals">
          <a href={`/staff/cases/approvals?lang=${l}`}>
            {m(l, 'home.approvals', { count: o.caseApprovals })}
          </a>
        </p>
      )}
      {o.actApprovals === 0 ? null : (
        <p id="home-act-approvals">
          <a href={`/staff/admin?lang=${l}#requests`}>{m(l, 'home.approvals', { count: o.actApprovals })}</a>
        </p>
      )}
      {o.signals === 0 ? null : (
        <p id="home-signals">
          <a href={`/staff/vetting?lang=${l}`}>{m(l, 'home.signals', { count: o.signals })}</a>
        </p>
      )}
      <h2 id="home-tasks-h">{m(l, 'home.my_tasks')}</h2>
      <DataTable
        id="home-tasks"
        rows={o.cases.myTasks}
        rowKey={(r) => `${r.ref}-${r.kind}-${r.dueOn}`}
        empty={m(l, 'home.my_tasks_none')}
        columns={[
          { key: 'case', header: m(l, 'home.col.case'), cell: (r) => caseLink(l, r.ref), rowHeader: true },
          {
            key: 'task',
            header: m(l, 'home.col.task'),
            cell: (r) => casesMessages(l, `cases.task.${r.kind}`),
          },
          {
            key: 'due',
            header: m(l, 'home.col.due'),
            cell: (r) => (r.overdue ? `${r.dueOn} (${m(l, 'home.overdue_mark')})` : r.dueOn),
          },
        ]}
      />
      <h2 id="home-new-h">{m(l, 'home.new_cases')}</h2>
      <DataTable
        id="home-new-cases"
        rows={o.cases.newCases}
        rowKey={(r) => r.ref}
        empty={m(l, 'home.new_cases_none')}
        columns={[
          {
            key: 'case',
            header: m(l, 'home.col.case'),
            cell: (r) => (
              <>
                {caseLink(l, r.ref)}
                {r.unassigned ? ` (${m(l, 'home.unassigned')})` : null}
              </>
            ),
            rowHeader: true,
          },
          { key: 'opened', header: m(l, 'home.col.opened'), cell: (r) => r.createdOn },
          { key: 'urgency', header: m(l, 'home.col.urgency'), cell: (r) => String(r.urgency) },
        ]}
      />
      <h2 id="home-overdue-h">{m(l, 'home.overdue')}</h2>
      <DataTable
        id="home-overdue"
        rows={o.cases.overdue}
        rowKey={(r) => r.ref}
        empty={m(l, 'home.overdue_none')}
        columns={[
          { key: 'case', header: m(l, 'home.col.case'), cell: (r) => caseLink(l, r.ref), rowHeader: true },
          { key: 'due', header: m(l, 'home.col.due'), cell: (r) => r.nextDueOn },
        ]}
      />
    </section>
  );
}

/** The notifications page: the list (mark read), and the e-mail digest choice. */
export function NotificationsPage(props: {
  frame: StaffFrame;
  csrf: string;
  items: readonly NotificationItem[];
  email: { available: boolean; on: boolean };
}) {
  const l = props.frame.locale;
  const { items, email } = props;
  return (
    <StaffPage frame={props.frame} title={m(l, 'notifications.title')} path="/staff/notifications">
      {items.some((i) => !i.read) ? (
        <form method="post" action={`/staff/notifications/read?lang=${l}`} id="mark-all-read">
          <CsrfField token={props.csrf} />
          <input type="hidden" name="id" value="all" />
          <button type="submit">{m(l, 'notifications.mark_all_read')}</button>
        </form>
      ) : null}
      <DataTable
        id="notifications"
        rows={items}
        rowKey={(r) => r.id}
        empty={m(l, 'notifications.none')}
        rowAttributes={(r) => ({ 'data-state': r.read ? 'read' : 'unread' })}
        columns={[
          {
            key: 'what',
            header: m(l, 'notifications.col.what'),
            cell: (r) => m(l, `notifications.kind.${r.kind}`),
            rowHeader: true,
          },
          { key: 'case', header: m(l, 'notifications.col.case'), cell: (r) => caseLink(l, r.ref) },
          { key: 'on', header: m(l, 'notifications.col.on'), cell: (r) => r.createdOn },
          {
            key: 'state',
            header: m(l, 'notifications.col.state'),
            cell: (r) =>
              r.read ? (
                m(l, 'notifications.read')
              ) : (
                <form method="post" action={`/staff/notifications/read?lang=${l}`} class="inline">
                  <CsrfField token={props.csrf} />
                  <input type="hidden" name="id" value={r.id} />
                  <button type="submit">{m(l, 'notifications.mark_read')}</button>
                </form>
              ),
          },
        ]}
      />
      <h2 id="email-h">{m(l, 'notifications.email')}</h2>
      <p>{m(l, 'notifications.email_help')}</p>
      {email.available ? (
        <form method="post" action={`/staff/notifications/email?lang=${l}`} id="email-digest">
          <CsrfField token={props.csrf} />
          <fieldset>
            <legend>{m(l, 'notifications.email')}</legend>
            <label>
              <input type="radio" name="digest" value="on" checked={email.on} />{' '}
              {m(l, 'notifications.email_on')}
            </label>
            <label>
              <input type="radio" name="digest" value="off" checked={!email.on} />{' '}
              {m(l, 'notifications.email_off')}
            </label>
          </fieldset>
          <button type="submit">{m(l, 'notifications.email_save')}</button>
        </form>
      ) : (
        <p id="email-unavailable">{m(l, 'notifications.email_off_server')}</p>
      )}
    </StaffPage>
  );
}
