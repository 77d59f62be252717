/**
 * The notifications module's face (issue 21 item 3, ADRs 0187-0188): in-app notifications of
 * new cases and applicant messages (written in the event's transaction through the case core's
 * activity hook), the staff home page's overview, and the optional, content-free e-mail digest.
 */
export { type HomeOverview, getHomeOverview } from './home.service.ts';
export {
  digestText,
  JOB_MAIL_DIGEST,
  notificationsJobHandlers,
  scheduleMailDigests,
  type SendMail,
  sendDueDigests,
  smtpSender,
} from './notifications.mail.ts';
export { notificationsMessages } from './notifications.messages.ts';
export { notificationsRoutes } from './notifications.routes.tsx';
export {
  countMyUnread,
  listMyNotifications,
  markMyNotificationsRead,
  type NotificationItem,
  notificationsOnCaseActivity,
  setMyEmailChoice,
} from './notifications.service.ts';
