import { z } from 'zod';
import { type Actor, roleHas, STAFF_ROLES, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { listActiveStaffIds } from '../auth/index.ts';
import { findCaseById, listMembersOfTeams, staffOnly } from '../case-access/index.ts';
import { type CaseActivityListener, listCaseRefsInScope } from '../cases/index.ts';
import {
  deleteCaseNotificationsExcept,
  findSettings,
  insertNotifications,
  listNotificationsOf,
  listUnreadCaseIds,
  markRead,
  type NotificationKind,
  setEmailDigest,
} from './notifications.repository.ts';

/**
 * In-app notifications (issue 21 item 3, ADR 0187). They are written in the transaction of the
 * event (the case core's activity hooks), one row per recipient, with no content: a kind, the
 * case and the day. A reader sees only those whose case their queue may list, so a row that
 * outlived a change of team or assignment shows nothing it should not.
 */

/** Roles that place unassigned cases: they hear of a new case no team holds yet. */
const PLACERS = STAFF_ROLES.filter((r) => roleHas(r, 'cases.assign'));

/** Who hears of a new case: its team's members, or, while it has no team, those who place cases. */
async function caseRecipients(
  trx: Db,
  c: { team_id: string | null; restricted: boolean },
): Promise<string[]> {
  if (c.team_id !== null) {
    const members = await listMembersOfTeams(trx, [c.team_id]);
    return listActiveStaffIds(trx, { ids: members.map((m) => m.staff_id) });
  }
  // A restricted case always has its team (ADR 0158); without one, no one outside could be told.
  if (c.restricted) return [];
  return listActiveStaffIds(trx, { roles: PLACERS });
}

async function notifyNewCases(trx: Db, caseIds: readonly string[]): Promise<void> {
  const rows: Array<{ staffId: string; kind: NotificationKind; caseId: string; sourceId: string }> = [];
  // Recipients are the same for every case without a team: read them once per batch.
  let placers: string[] | undefined;
  for (const id of caseIds) {
    const c = await findCaseById(trx, id);
    if (c === undefined) continue;
    let to: string[];
    if (c.team_id === null && !c.restricted) {
      placers ??= await caseRecipients(trx, c);
      to = placers;
    } else to = await caseRecipients(trx, c);
    for (const staffId of to) rows.push({ staffId, kind: 'new_case', caseId: id, sourceId: id });
  }
  await insertNotifications(trx, rows);
}

async function notifyApplicantMessage(trx: Db, caseId: string, messageId: string): Promise<void> {
  const c = await findCaseById(trx, caseId);
  if (c === undefined) return;
  let to: string[] = [];
  if (c.assignee_id !== null) to = await listActiveStaffIds(trx, { ids: [c.assignee_id] });
  // Nobody holds the case (or its holder left): the team, or those who place cases, are told.
  if (to.length === 0) to = await caseRecipients(trx, c);
  if (c.restricted && c.team_id !== null) {
    const members = new Set((await listMembersOfTeams(trx, [c.team_id])).map((m) => m.staff_id));
    to = to.filter((s) => members.has(s));
  }
  await insertNotifications(
    trx,
    to.map((staffId) => ({ staffId, kind: 'new_message' as const, caseId, sourceId: messageId })),
  );
}

/** A case just restricted to its team (ADR 0158): only its members keep, or get, its notifications. */
async function restrictNotifications(trx: Db, caseId: string): Promise<void> {
  const c = await findCaseById(trx, caseId);
  if (c === undefined || c.team_id === null) {
    await deleteCaseNotificationsExcept(trx, caseId, []);
    return;
  }
  const members = await caseRecipients(trx, c);
  await deleteCaseNotificationsExcept(trx, caseId, members);
  await insertNotifications(
    trx,
    members.map((staffId) => ({ staffId, kind: 'new_case' as const, caseId, sourceId: caseId })),
  );
}

/** What the composition root hands the case core (src/app.ts). */
export const notificationsOnCaseActivity: CaseActivityListener = {
  newCases: notifyNewCases,
  applicantMessage: notifyApplicantMessage,
  caseRestricted: restrictNotifications,
};

// ---------------------------------------------------------------------------------------------
// Reading

export interface NotificationItem {
  id: string;
  kind: NotificationKind;
  ref: string;
  createdOn: string;
  read: boolean;
}

const LIST_LIMIT = 50;

/** The reader's latest notifications whose case they may see, newest first. */
export async function listMyNotifications(ctx: AppContext, actor: Actor): Promise<NotificationItem[]> {
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const rows = await listNotificationsOf(db, staff.id, LIST_LIMIT);
  const refs = await listCaseRefsInScope(
    db,
    actor,
    rows.map((r) => r.case_id),
  );
  return rows.flatMap((r) => {
    const ref = refs.get(r.case_id);
    return ref === undefined
      ? []
      : [{ id: r.id, kind: r.kind, ref, createdOn: String(r.created_on), read: r.read }];
  });
}

/** Unread notifications whose case the reader may see (the navigation's count; at most 99 counted). */
export async function countMyUnread(
  ctx: AppContext,
  actor: StaffActor,
  db: Db = ctx.database.db,
): Promise<number> {
  const rows = await listUnreadCaseIds(db, actor.id, 99);
  if (rows.length === 0) return 0;
  const refs = await listCaseRefsInScope(
    db,
    actor,
    rows.map((r) => r.case_id),
  );
  return rows.filter((r) => refs.has(r.case_id)).length;
}

const markSchema = z.object({ id: z.union([z.uuid(), z.literal('all')]) }).loose();

/** Marks one of the reader's own notifications (or all of them) read; another's id is "not found". */
export async function markMyNotificationsRead(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  const staff = staffOnly(actor);
  const parsed = markSchema.safeParse(input);
  if (!parsed.success) throw new AppError('not_found', 'no such notification');
  const changed = await markRead(ctx.database.db, staff.id, parsed.data.id);
  if (parsed.data.id !== 'all' && changed === 0) {
    // Already read is fine (a second click); someone else's, or none, is not found.
    const own = (await listNotificationsOf(ctx.database.db, staff.id, LIST_LIMIT)).some(
      (r) => r.id === parsed.data.id,
    );
    if (!own) throw new AppError('not_found', 'no such notification');
  }
}

/** Whether e-mail digests are possible (SMTP configured) and whether the reader asked for them. */
export async function getMyEmailChoice(
  ctx: AppContext,
  actor: Actor,
): Promise<{ available: boolean; on: boolean }> {
  const staff = staffOnly(actor);
  const row = await findSettings(ctx.database.db, staff.id);
  return { available: ctx.config.mail !== undefined, on: row?.email_digest === true };
}

const emailSchema = z.object({ digest: z.enum(['on', 'off']) }).loose();

/** Opt in to (or out of) e-mail digests; bad input is a validation error, nothing written. */
export async function setMyEmailChoice(ctx: AppContext, actor: Actor, input: unknown): Promise<boolean> {
  const staff = staffOnly(actor);
  const parsed = emailSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'digest must be on or off', {
      fields: { digest: 'field.invalid' },
    });
  }
  if (ctx.config.mail === undefined && parsed.data.digest === 'on') {
    throw new AppError('validation_failed', 'no mail server', { fields: { digest: 'field.invalid' } });
  }
  const on = parsed.data.digest === 'on';
  // Audited: from now on, mail about this person's activity leaves the server (ADR 0188).
  await ctx.database.db.transaction().execute(async (trx) => {
    await setEmailDigest(trx, staff.id, on);
    await recordAudit(trx, {
      actor: staff.id,
      action: on ? 'notifications.email_on' : 'notifications.email_off',
      target: `staff:${staff.id}`,
    });
  });
  return on;
}
