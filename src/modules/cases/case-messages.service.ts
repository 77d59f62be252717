import { randomUUID } from 'node:crypto';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { findActiveStaff } from '../auth/index.ts';
import { findCaseById, uuidSchema } from '../case-access/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { actOnCase, conflict } from './case-actions.ts';
import { deleteDraft } from './case-drafts.service.ts';
import { emitCaseActivity } from './case-activity.ts';
import { bind, decryptText, subjectOf, today } from './case-helpers.ts';
import {
  findCaseTask,
  insertCaseMessage,
  insertCaseNote,
  insertCaseTask,
  listCaseMessages,
  markTaskDone,
  refreshNextDue,
  touchCase,
} from './cases.repository.ts';
import { noteFormSchema, replyFormSchema, taskFormSchema } from './cases.schemas.ts';

/** Notes, replies, applicant messages and tasks on one case. */

/** An internal note: never visible to the applicant. */
export async function addNote(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => noteFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      const id = randomUUID();
      await withKey((key) =>
        insertCaseNote(trx, {
          id,
          case_id: row.id,
          author_id: staff.id,
          body_enc: encryptField(key, form.body, bind('case_notes', 'body', id)),
        }),
      );
      await touchCase(trx, row.id);
      return id;
    },
    audit: () => ({ action: 'case.note_add' }),
  });
}

/**
 * A staff reply to the applicant: stored in case_messages (direction "out"), where the
 * applicant's inbox reads it through `listApplicantVisibleMessages`.
 */
export async function addReply(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => replyFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      const id = randomUUID();
      await withKey((key) =>
        insertCaseMessage(trx, {
          id,
          case_id: row.id,
          direction: 'out',
          author_id: staff.id,
          body_enc: encryptField(key, form.body, bind('case_messages', 'body', id)),
        }),
      );
      await touchCase(trx, row.id, { waiting_for_us: false, waiting_since: today() });
      // The draft this reply came from is done with (ADR 0181).
      await deleteDraft(trx, row.id, staff.id);
      return id;
    },
    audit: () => ({ action: 'case.reply' }),
  });
}

const MAX_MESSAGE = 20_000;

/**
 * A message to the applicant that a module sends on the organisation's behalf (no staff
 * author shown; the family tracing module passes on what a sought person allowed), in the
 * caller's transaction, which has already authorised and audited the action.
 */
export async function addServiceReply(
  ctx: AppContext,
  trx: Db,
  caseId: string,
  body: string,
): Promise<string> {
  checkMessage(caseId, body);
  const id = randomUUID();
  const row = await insertUnauthoredMessage(ctx, trx, caseId, id, 'out', body);
  await touchCase(trx, row.id, {});
  return id;
}

/** A message's case id and length, checked before anything is read. */
function checkMessage(caseId: string, body: unknown): asserts body is string {
  if (!uuidSchema.safeParse(caseId).success) throw new AppError('not_found', 'malformed case id');
  if (typeof body !== 'string' || body.trim().length === 0 || body.length > MAX_MESSAGE) {
    throw new AppError('validation_failed', 'message length', { fields: { body: 'field.invalid' } });
  }
}

/** Stores a message without a staff author (the applicant's, or one sent on the organisation's behalf). */
async function insertUnauthoredMessage(
  ctx: AppContext,
  trx: Db,
  caseId: string,
  id: string,
  direction: 'in' | 'out',
  body: string,
) {
  const row = await findCaseById(trx, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  await withSubjectKey(
    ctx,
    subjectOf(row.id),
    async (key) => {
      await insertCaseMessage(trx, {
        id,
        case_id: row.id,
        direction,
        author_id: null,
        body_enc: encryptField(key, body, bind('case_messages', 'body', id)),
      });
    },
    trx,
  );
  return row;
}

/**
 * For intake: stores a message the applicant wrote (direction "in") and puts the case back
 * into "waiting for us". The caller has already authenticated the applicant by codename;
 * this function trusts `caseId`. Pass `trx` to join the caller's transaction.
 */
export async function addApplicantMessage(
  ctx: AppContext,
  caseId: string,
  body: string,
  options: { trx?: Db } = {},
): Promise<{ id: string; createdOn: string }> {
  checkMessage(caseId, body);
  const id = randomUUID();
  const work = async (trx: Db) => {
    const row = await insertUnauthoredMessage(ctx, trx, caseId, id, 'in', body);
    await touchCase(trx, row.id, row.waiting_for_us ? {} : { waiting_for_us: true, waiting_since: today() });
    await recordAudit(trx, { actor: 'applicant', action: 'case.message_in', target: `case:${row.ref}` });
    await emitCaseActivity('applicantMessage', trx, row.id, id);
  };
  if (options.trx !== undefined) await work(options.trx);
  else await ctx.database.db.transaction().execute(work);
  return { id, createdOn: today() };
}

export interface ApplicantMessage {
  id: string;
  direction: 'in' | 'out';
  body: string;
  /** Day only (YYYY-MM-DD). */
  createdOn: string;
}

/**
 * For intake: the applicant's conversation (their messages and staff replies, oldest
 * first), never internal notes, tasks or staff identities. The caller has authenticated
 * the applicant by codename for this `caseId`.
 */
export async function listApplicantVisibleMessages(
  ctx: AppContext,
  caseId: string,
): Promise<ApplicantMessage[]> {
  if (!uuidSchema.safeParse(caseId).success) throw new AppError('not_found', 'malformed case id');
  const db = ctx.database.db;
  const row = await findCaseById(db, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  const messages = await listCaseMessages(db, row.id);
  if (messages.length === 0) return [];
  return withSubjectKey(
    ctx,
    subjectOf(row.id),
    async (key) =>
      messages.map((m) => ({
        id: m.id,
        direction: m.direction,
        body: decryptText(key, m.body_enc, 'case_messages', 'body', m.id),
        createdOn: m.created_on,
      })),
    db,
  );
}

// ---------------------------------------------------------------------------------------------
// Tasks

export async function addTask(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => taskFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      if (form.assigneeId !== null && (await findActiveStaff(trx, form.assigneeId)) === undefined) {
        throw new AppError('validation_failed', 'no such staff', { fields: { assigneeId: 'field.invalid' } });
      }
      const id = randomUUID();
      await withKey((key) =>
        insertCaseTask(trx, {
          id,
          case_id: row.id,
          kind: form.kind,
          title_enc: encryptField(key, form.title, bind('case_tasks', 'title', id)),
          due_on: form.dueOn,
          assignee_id: form.assigneeId,
          created_by: staff.id,
        }),
      );
      await refreshNextDue(trx, row.id);
      await touchCase(trx, row.id);
      return id;
    },
    audit: (f) => ({ action: 'case.task_add', reason: f.kind }),
  });
}

export async function completeTask(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  taskId: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, taskId, {
    // A malformed or foreign task id is "not found", like a missing one: no 400 here.
    parse: (i) => ({ success: true, data: i }),
    step: async ({ trx, row, staff, form }) => {
      const id = uuidSchema.safeParse(form);
      if (!id.success) throw new AppError('not_found', 'malformed task id');
      const task = await findCaseTask(trx, row.id, id.data);
      if (task === undefined) throw new AppError('not_found', 'no such task');
      if (!(await markTaskDone(trx, task.id, staff.id))) throw conflict();
      await refreshNextDue(trx, row.id);
      await touchCase(trx, row.id);
    },
    audit: () => ({ action: 'case.task_done' }),
  });
}
