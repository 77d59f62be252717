import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { CaseRow, ClosingReason } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { findActiveStaff } from '../auth/index.ts';
import {
  canAssignCase,
  canSeeAllQueueRows,
  canWriteCase,
  caseFacts,
  findPendingApprovalForCase,
  findTeamById,
  fourEyesNotGenuine,
  isSelfAssignment,
  requireAllowed,
} from '../case-access/index.ts';
import { withNewSubjectKey, withSubjectKey } from '../keys/index.ts';
import { actOnCase, conflict, type Parsed, requestCaseApproval, updateVersioned } from './case-actions.ts';
import { emitCaseActivity } from './case-activity.ts';
import { isOwnedAnswerKey, splitCaseAnswers } from './case-extensions.ts';
import { bind, decryptJson, newCaseRef, subjectOf, validation } from './case-helpers.ts';
import { personIndexEntries } from './case-search.ts';
import { type CaseStatus, decideTransition, isCaseStatus } from './case-workflow.ts';
// Registers the case core's approval kinds with case access (they apply the decisions below).
import './case-approvals.ts';
import { enqueuePersonChanged } from './cases.jobs.ts';
import { insertCase, insertCaseEvent, replacePersonIndex, updateCaseIfVersion } from './cases.repository.ts';
import {
  assignFormSchema,
  type IntakeAnswers,
  intakeAnswersSchema,
  intakeFormSchema,
  type NewCaseInput,
  newCaseSchema,
  parseAnswers,
  personFormSchema,
  transitionFormSchema,
} from './cases.schemas.ts';

/**
 * The case aggregate: creation, the case file, person details with optimistic concurrency,
 * the workflow, assignment, notes, replies, applicant messages and tasks.
 *
 * Every exported function that acts for staff authorises first (through `authoriseCase`,
 * which answers 404 for a case the actor may not see), then decides, then writes in one
 * transaction together with its audit entry.
 */
export type { PersonDetails } from './cases.schemas.ts';

export async function recordEvent(
  trx: Db,
  key: DataKey,
  caseId: string,
  kind: 'created' | 'status' | 'assign' | 'person' | 'intake',
  actorId: string | null,
  detail: Record<string, string | null> | null,
): Promise<void> {
  const id = randomUUID();
  await insertCaseEvent(trx, {
    id,
    case_id: caseId,
    kind,
    actor_id: actorId,
    detail_enc:
      detail === null ? null : encryptField(key, JSON.stringify(detail), bind('case_events', 'detail', id)),
  });
}

/**
 * Creates a case with its own data key: person details, story and intake answers
 * encrypted, search index entries written, all in one transaction with the audit entry.
 * Intake calls this with `{ kind: 'applicant' }`.
 */
export async function createCase(
  ctx: AppContext,
  actor: Actor | { kind: 'applicant' },
  input: NewCaseInput | unknown,
  options: { trx?: Db } = {},
): Promise<{ id: string; ref: string }> {
  const parsed = newCaseSchema.safeParse(input);
  if (!parsed.success) throw validation(parsed.error);
  const keyring = ctx.vault.requireKeyring();
  const id = randomUUID();
  const ref = newCaseRef();
  const work = async (trx: Db) => {
    await withNewSubjectKey(ctx, trx, subjectOf(id), async (key) => {
      await insertCase(trx, {
        id,
        ref,
        urgency: parsed.data.urgency,
        applicant_type: parsed.data.applicantType,
        country: parsed.data.country ?? null,
        person_enc: encryptField(key, JSON.stringify(parsed.data.person), bind('cases', 'person', id)),
        story_enc: encryptField(key, parsed.data.story, bind('cases', 'story', id)),
        intake_enc: encryptField(key, JSON.stringify(parsed.data.answers), bind('cases', 'intake', id)),
      });
      await replacePersonIndex(trx, id, personIndexEntries(keyring, parsed.data.person));
      // Record linkage runs in the background; its job commits with the person (issue 6).
      await enqueuePersonChanged(trx, id);
      await recordEvent(trx, key, id, 'created', actor.kind === 'staff' ? actor.id : null, null);
    });
    await emitCaseActivity('newCases', trx, [id]);
    await recordAudit(trx, {
      actor: actor.kind === 'applicant' ? 'applicant' : actorLabel(actor),
      action: 'case.create',
      target: `case:${ref}`,
    });
  };
  if (options.trx !== undefined) await work(options.trx);
  else await ctx.database.db.transaction().execute(work);
  return { id, ref };
}

// ---------------------------------------------------------------------------------------------
// Queue and due-soon

/** Person details, type, country and urgency. A stale `version` answers 409; nothing is written. */
export async function updatePerson(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, input, {
    parse: (i) => personFormSchema.safeParse(i),
    version: (f) => f.version,
    step: (s) =>
      s.withKey(async (key) => {
        const { trx, row, form } = s;
        await updateVersioned(
          s,
          key,
          {
            person_enc: encryptField(key, JSON.stringify(form.person), bind('cases', 'person', row.id)),
            country: form.country,
            applicant_type: form.applicantType,
            urgency: form.urgency,
          },
          'person',
        );
        await replacePersonIndex(trx, row.id, personIndexEntries(ctx.vault.requireKeyring(), form.person));
        await enqueuePersonChanged(trx, row.id);
      }),
    audit: () => ({ action: 'case.person_update' }),
  });
}

function parseIntakeForm(input: unknown): Parsed<{ version: number; answers: IntakeAnswers }> {
  const form = intakeFormSchema.safeParse(input);
  if (!form.success) return form;
  const typed = parseAnswers(form.data.answers);
  // A key a registered view owns (an answer to the organisation's own questions) is not typed by hand.
  if (Object.keys(typed).some(isOwnedAnswerKey)) {
    return { success: false, error: { issues: [{ path: ['answers'], message: 'field.invalid' }] } };
  }
  const answers = intakeAnswersSchema.safeParse(typed);
  return answers.success
    ? { success: true, data: { version: form.data.version, answers: answers.data } }
    : answers;
}

/**
 * The answers from intake, edited as a whole ("question: answer" lines). The answers a
 * registered view owns are not in the box, so they are kept as stored.
 */
export async function updateIntakeAnswers(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, input, {
    parse: parseIntakeForm,
    version: (f) => f.version,
    step: (s) =>
      s.withKey((key) => {
        const stored = decryptJson<IntakeAnswers>(key, s.row.intake_enc, 'cases', 'intake', s.row.id, {});
        const answers = { ...s.form.answers, ...splitCaseAnswers(stored).owned };
        return updateVersioned(
          s,
          key,
          { intake_enc: encryptField(key, JSON.stringify(answers), bind('cases', 'intake', s.row.id)) },
          'intake',
        );
      }),
    audit: () => ({ action: 'case.intake_update' }),
  });
}

/**
 * A status change through the state machine. Closing needs a closing reason, reopening a
 * reason. Closing as "not genuine" with four-eyes on creates a pending approval instead;
 * a second person applies it (see case-access.service.ts `decideApproval`).
 */
export async function changeStatus(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ applied: boolean; approvalId?: string }> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => transitionFormSchema.safeParse(i),
    version: (f) => f.version,
    // Both outcomes audit themselves: applyTransition is shared with the four-eyes approval.
    step: async ({ trx, row, staff, form, withKey }) => {
      if ((await findPendingApprovalForCase(trx, row.id)) !== undefined) throw conflict();
      const from = isCaseStatus(row.status) ? row.status : 'new';
      const decision = decideTransition({
        from,
        to: form.to,
        closingReason: form.closingReason,
        reason: form.reason,
        fourEyesNotGenuine: await fourEyesNotGenuine(trx),
      });
      if (!decision.ok) {
        throw new AppError('validation_failed', `transition ${from} -> ${form.to}: ${decision.problem}`, {
          fields: { to: `cases.problem.${decision.problem}` },
        });
      }
      if (!decision.needsApproval) {
        await applyTransition(ctx, trx, row, staff.id, form.to, form.closingReason ?? null, form.reason);
        return { applied: true };
      }
      const id = await requestCaseApproval({ trx, row, staff, withKey }, 'close_not_genuine', {
        reason: form.reason,
      });
      await recordAudit(trx, {
        actor: staff.id,
        action: 'case.approval_request',
        target: `case:${row.ref}`,
        reason: 'close as not genuine',
      });
      return { applied: false, approvalId: id };
    },
  });
}

/** @internal applies a decided transition (also used when a four-eyes approval is granted). */
export async function applyTransition(
  ctx: AppContext,
  trx: Db,
  row: CaseRow,
  actorId: string,
  to: CaseStatus,
  closingReason: ClosingReason | null,
  reason: string,
): Promise<void> {
  const ok = await updateCaseIfVersion(trx, row.id, row.version, {
    status: to,
    closing_reason: to === 'closed' ? closingReason : null,
    ...(to === 'waiting_applicant' || to === 'closed' ? { waiting_for_us: false } : {}),
  });
  if (!ok) throw conflict();
  await withSubjectKey(
    ctx,
    subjectOf(row.id),
    (key) =>
      recordEvent(trx, key, row.id, 'status', actorId, {
        from: row.status,
        to,
        closingReason,
        reason: reason === '' ? null : reason,
      }),
    trx,
  );
  await recordAudit(trx, {
    actor: actorId,
    action: to === 'closed' ? 'case.close' : row.status === 'closed' ? 'case.reopen' : 'case.status',
    target: `case:${row.ref}`,
    reason: `${row.status} -> ${to}${closingReason === null ? '' : ` (${closingReason})`}`,
  });
}

/**
 * Assigns a case to a team and/or a person. Coordinators assign freely; others may take a
 * case themselves or move it to one of their teams. The assignee must be active staff and,
 * when a team is named, a member of it.
 *
 * An assignment that would open the case's content to the actor (`isSelfAssignment`) applies
 * at once only under an active break-glass grant, audited as `case.self_assign`; otherwise it
 * becomes a four-eyes request (`case.self_assign_request`) that another coordinator or admin
 * decides, and nothing changes until then (ADR 0094).
 */
export async function assignCase(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ applied: boolean; approvalId?: string }> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => assignFormSchema.safeParse(i),
    // Coordinators assign cases whose content they may not read.
    need: 'metadata',
    allowed: ({ row, facts }) => canWriteCase(actor, caseFacts(row), facts) || canSeeAllQueueRows(actor),
    decide: ({ row, facts }, form) =>
      requireAllowed(
        canAssignCase(actor, caseFacts(row), facts, { teamId: form.teamId, assigneeId: form.assigneeId }),
        'assign',
      ),
    version: (f) => f.version,
    step: async (s) => {
      const { teamId, assigneeId } = s.form;
      if (teamId !== null && (await findTeamById(s.trx, teamId)) === undefined) {
        throw new AppError('validation_failed', 'no such team', { fields: { teamId: 'field.invalid' } });
      }
      if (assigneeId !== null) {
        const person = await findActiveStaff(s.trx, assigneeId);
        if (person === undefined || !['caseworker', 'lawyer', 'coordinator'].includes(person.role)) {
          throw new AppError('validation_failed', 'not assignable', {
            fields: { assigneeId: 'field.invalid' },
          });
        }
      }
      const self = isSelfAssignment(actor, caseFacts(s.row), s.auth.facts, { teamId, assigneeId });
      if (self && !s.auth.facts.breakGlass) {
        if ((await findPendingApprovalForCase(s.trx, s.row.id, 'self_assign')) !== undefined)
          throw conflict();
        const id = await requestCaseApproval(s, 'self_assign', { teamId, assigneeId });
        return { applied: false, approvalId: id, self };
      }
      await s.withKey((key) =>
        applyAssignment(s.trx, key, s.row, s.staff.id, s.form.version, { teamId, assigneeId }),
      );
      return { applied: true, self };
    },
    audit: (f, result) => ({
      action: !result.self ? 'case.assign' : result.applied ? 'case.self_assign' : 'case.self_assign_request',
      reason: `team ${f.teamId ?? '-'}, staff ${f.assigneeId ?? '-'}${result.self && result.applied ? ', break-glass' : ''}`,
    }),
  }).then(({ self: _self, ...result }) => result);
}

/** The assignment itself: a versioned write of team and assignee with its timeline event. */
async function applyAssignment(
  trx: Db,
  key: DataKey,
  row: CaseRow,
  actorId: string,
  version: number,
  target: { teamId: string | null; assigneeId: string | null },
): Promise<void> {
  if (
    !(await updateCaseIfVersion(trx, row.id, version, {
      team_id: target.teamId,
      assignee_id: target.assigneeId,
    }))
  ) {
    throw conflict();
  }
  await recordEvent(trx, key, row.id, 'assign', actorId, { ...target });
}

/**
 * @internal applies an approved self-assignment (case-access.service.ts `decideApproval`),
 * if the case has not changed since the request (409 otherwise). The assignment is the
 * requester's, audited as theirs; the approval is audited by its caller.
 */
export async function applyApprovedSelfAssignment(
  ctx: AppContext,
  trx: Db,
  row: CaseRow,
  approval: {
    id: string;
    requested_by: string;
    expected_version: number | null;
    payload_enc: Uint8Array | null;
  },
): Promise<void> {
  if (approval.expected_version === null || row.version !== approval.expected_version) throw conflict();
  const target = await withSubjectKey(
    ctx,
    subjectOf(row.id),
    async (key) => {
      const t = decryptJson<{ teamId: string | null; assigneeId: string | null }>(
        key,
        approval.payload_enc,
        'case_approvals',
        'payload',
        approval.id,
        { teamId: null, assigneeId: null },
      );
      await applyAssignment(trx, key, row, approval.requested_by, row.version, t);
      return t;
    },
    trx,
  );
  await recordAudit(trx, {
    actor: approval.requested_by,
    action: 'case.self_assign',
    target: `case:${row.ref}`,
    reason: `team ${target.teamId ?? '-'}, staff ${target.assigneeId ?? '-'}, approved ${approval.id}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Notes, replies and applicant messages
