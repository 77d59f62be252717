import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import type { StaffActor } from '../../access/index.ts';
import { isLoopbackHost } from '../../config/config.ts';
import type { MailConfig } from '../../config/mail-config.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { findActiveStaff, getStaffEmailLabels } from '../auth/index.ts';
import { listCaseRefsInScope } from '../cases/index.ts';
import { enqueueJob, type JobHandler } from '../jobs/index.ts';
import {
  listDigestCandidates,
  listUndigested,
  markDigestSent,
  maxNotificationSeq,
  type NotificationKind,
} from './notifications.repository.ts';

/**
 * E-mail digests (issue 21 item 3, ADR 0188): through the organisation's own SMTP server, off
 * unless configured, only to those who asked, at most one per person per interval, and free of
 * content: how many new cases and messages, never a name, a reference or a message. The
 * address is the member's own (stored encrypted, decrypted here only to send). A failure is
 * logged by its SMTP code only: a server's error text may quote the address.
 */

export const JOB_MAIL_DIGEST = 'notifications.mail_digest';
/** How often the job looks for digests due (each person's own interval is the config's). */
const SWEEP_MS = 5 * 60_000;
const BATCH = 200;

/** What the digest needs of a mail transport (nodemailer's, or a test's). */
export type SendMail = (message: {
  from: string;
  to: string;
  subject: string;
  text: string;
}) => Promise<unknown>;

/** The organisation's SMTP server: TLS required unless the relay is on this machine. */
export function smtpSender(mail: MailConfig): SendMail {
  const host = new URL(mail.smtpUrl).hostname;
  // Nodemailer is loaded with the first message (about 0.05 s of start-up otherwise).
  let transport: Promise<Transporter> | undefined;
  return async (message) => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: mail.smtpUrl,
        requireTLS: !isLoopbackHost(host),
        // Nodemailer's own logging would write addresses and message text: off.
        logger: false,
        debug: false,
        disableFileAccess: true,
        disableUrlAccess: true,
      }),
    );
    return (await transport).sendMail(message);
  };
}

/** The digest's text: counts only, in the three languages (the member's choice is not stored). */
export function digestText(counts: Readonly<Record<NotificationKind, number>>): {
  subject: string;
  text: string;
} {
  const c = counts.new_case;
  const m = counts.new_message;
  return {
    subject: 'New activity / Новая активность / Нова активність',
    text: [
      `You have ${m} new message(s) and ${c} new case(s). Sign in to read them.`,
      `У вас новых сообщений: ${m}, новых дел: ${c}. Войдите, чтобы прочитать.`,
      `У вас нових повідомлень: ${m}, нових справ: ${c}. Увійдіть, щоб прочитати.`,
      '',
      'This message contains no personal data. / Это письмо не содержит персональных данных. / Цей лист не містить персональних даних.',
    ].join('\n'),
  };
}

/**
 * Sends the digests due at `now` and returns how many went out. Each person's notifications
 * are marked mailed only after their message was accepted: a failure leaves them for the next
 * run (at least once; a crash between sending and marking may send one digest twice).
 */
export async function sendDueDigests(
  ctx: AppContext,
  options: { now: Date; send: SendMail; mail: MailConfig },
): Promise<number> {
  const db = ctx.database.db;
  const notBefore = new Date(options.now.getTime() - options.mail.digestMinutes * 60_000);
  let sent = 0;
  for (const staffId of await listDigestCandidates(db, notBefore, BATCH)) {
    const staff = await findActiveStaff(db, staffId);
    const maxSeq = await maxNotificationSeq(db, staffId);
    const counts = staff === undefined ? undefined : await visibleCounts(db, staff, maxSeq);
    if (counts === undefined || counts.new_case + counts.new_message === 0) {
      // A disabled account, or nothing it may still see: nothing to tell, nothing to send.
      await markDigestSent(db, staffId, options.now, maxSeq);
      continue;
    }
    const to = (await getStaffEmailLabels(ctx, db, [staffId])).get(staffId);
    if (to === undefined) continue;
    try {
      await options.send({ from: options.mail.from, to, ...digestText(counts) });
    } catch (error) {
      const code = (error as { responseCode?: unknown; code?: unknown }) ?? {};
      ctx.logger.warn(
        {
          smtpCode: typeof code.responseCode === 'number' ? code.responseCode : undefined,
          code: String(code.code ?? ''),
        },
        'an e-mail digest was not accepted by the mail server; it is retried on the next run',
      );
      continue;
    }
    await markDigestSent(db, staffId, options.now, maxSeq);
    sent++;
  }
  return sent;
}

/** Per kind, the person's undigested notifications whose case they may still see. */
async function visibleCounts(
  db: Db,
  staff: { id: string; role: StaffActor['role'] },
  maxSeq: number,
): Promise<Record<NotificationKind, number>> {
  const actor: StaffActor = { kind: 'staff', id: staff.id, role: staff.role, sessionHash: Buffer.alloc(32) };
  const rows = await listUndigested(db, staff.id, maxSeq);
  const refs = await listCaseRefsInScope(
    db,
    actor,
    rows.map((r) => r.case_id),
  );
  const counts: Record<NotificationKind, number> = { new_case: 0, new_message: 0 };
  for (const r of rows) if (refs.has(r.case_id)) counts[r.kind]++;
  return counts;
}

/** Queues the next look for digests (server.ts at start, then the job itself); nothing when mail is off. */
export async function scheduleMailDigests(ctx: AppContext, runAfter: Date): Promise<void> {
  if (ctx.config.mail === undefined) return;
  await enqueueJob(ctx.database.db, {
    kind: JOB_MAIL_DIGEST,
    payload: {},
    dedupeKey: JOB_MAIL_DIGEST,
    runAfter,
  });
}

export function notificationsJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const mail = ctx.config.mail;
  if (mail === undefined) return [];
  const send = smtpSender(mail);
  const digest: JobHandler<Record<string, never>> = {
    kind: JOB_MAIL_DIGEST,
    // Addresses are decrypted to send: not while sealed.
    needsKeys: true,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      const sent = await sendDueDigests(ctx, { now: new Date(), send, mail });
      if (sent > 0) ctx.logger.info({ sent }, 'e-mail digests sent');
      await scheduleMailDigests(ctx, new Date(Date.now() + SWEEP_MS));
    },
  };
  return [digest as JobHandler<unknown>];
}
