import { randomUUID } from 'node:crypto';
import type { Actor, StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { ApprovalKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { findAuditEntriesForTarget } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { getStaffEmailLabels } from '../auth/staff.service.ts';
import { approvalKindHandler } from './approval-kinds.ts';
import { openGrantTexts, sealGrantText } from './break-glass-text.ts';
import { isCaseStatus } from './case-workflow.ts';
import {
  canBreakGlass,
  canChangeSettings,
  canDecideApproval,
  canManageTeams,
  canReviewAccess,
  canSeeAccessLog,
  canSeeApprovals,
  canSeeWorkload,
  requireAllowed,
} from './cases.policy.ts';
import {
  countUnreviewedGrants,
  countWorkload,
  findApproval,
  findCaseById,
  findCaseScopeFacts,
  findGrant,
  findTeamById,
  findTeamByName,
  findTeamsOfStaff,
  getSetting,
  insertBreakGlassGrant,
  insertTeam,
  insertTeamMember,
  listApprovals,
  listAssignableStaff,
  listAuditSince,
  listGrantsForReview,
  listTeamMembers,
  listTeams,
  lockCaseForUpdate,
  markGrantReviewed,
  putSetting,
  setApprovalStatus,
} from './cases.repository.ts';
import {
  breakGlassFormSchema,
  caseRefSchema,
  reviewFormSchema,
  settingsFormSchema,
  teamFormSchema,
  teamMemberFormSchema,
  uuidSchema,
} from './cases.schemas.ts';
import {
  actorFacts,
  applyApprovedSelfAssignment,
  applyTransition,
  authoriseCase,
  caseFacts,
  SETTING_FOUR_EYES,
} from './cases.service.ts';

/**
 * Access around cases: break-glass and its review, the per-case access log, the access
 * anomaly report, teams and workload, four-eyes approvals and workspace settings.
 */

/** How long a break-glass grant lasts. */
export const BREAK_GLASS_HOURS = 4;

function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

function invalid(fields: Record<string, string>): AppError {
  return new AppError('validation_failed', 'invalid input', { fields });
}

// ---------------------------------------------------------------------------------------------
// Break-glass

/**
 * Emergency access to a case that is not the actor's: a reason (at least 10 characters) is
 * required, the grant lasts BREAK_GLASS_HOURS, and both the grant and every read under it are
 * audited. Coordinators see unreviewed grants on the review list.
 */
export async function breakGlass(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<{ ref: string; expiresAt: Date }> {
  const staff = staffOnly(actor);
  const parsed = breakGlassFormSchema.safeParse(input);
  // The reference must parse before anything else: without it there is nothing to authorise.
  const ref = (input as { ref?: unknown } | null)?.ref;
  return ctx.database.db.transaction().execute(async (trx) => {
    const auth = await authoriseCase(trx, actor, ref, 'metadata').catch((error: unknown) => {
      // Staff allowed to break glass may ask for any existing case; others get 404 as usual.
      if (error instanceof AppError && error.code === 'not_found') return undefined;
      throw error;
    });
    const row = auth?.row ?? (await findCaseByRefOrThrow(trx, ref));
    const facts = auth?.facts ?? (await actorFacts(trx, actor, row.id));
    requireAllowed(canBreakGlass(actor, caseFacts(row), facts), 'break glass');
    if (!parsed.success) {
      throw invalid(
        Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), 'cases.field.reason'])),
      );
    }
    const expiresAt = new Date(Date.now() + BREAK_GLASS_HOURS * 3600_000);
    const grantId = randomUUID();
    await insertBreakGlassGrant(trx, {
      id: grantId,
      staff_id: staff.id,
      case_id: row.id,
      reason_enc: await sealGrantText(ctx, trx, row.id, grantId, 'reason', parsed.data.reason),
      expires_at: expiresAt,
    });
    // The audit log names the grant; the reason itself is free text, kept encrypted (ADR 0087).
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.break_glass',
      target: `case:${row.ref}`,
      reason: `grant ${grantId}`,
    });
    return { ref: row.ref, expiresAt };
  });
}

async function findCaseByRefOrThrow(db: Db, ref: unknown) {
  const parsed = caseRefSchema.safeParse(ref);
  if (!parsed.success) throw new AppError('not_found', 'malformed case reference');
  const [row] = await findCaseScopeFacts(db, [parsed.data]);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  return row;
}

export interface BreakGlassReviewItem {
  id: string;
  ref: string;
  staff: string;
  reason: string;
  grantedAt: Date;
  expiresAt: Date;
  active: boolean;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
}

/** The coordinators' review list: every grant, unreviewed first. */
export async function listBreakGlassReview(
  ctx: AppContext,
  actor: Actor,
  options: { includeReviewed?: boolean } = {},
): Promise<BreakGlassReviewItem[]> {
  requireAllowed(canReviewAccess(actor), 'review access');
  const db = ctx.database.db;
  const rows = await listGrantsForReview(db, options.includeReviewed ?? true);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    rows.flatMap((r) => [r.staff_id, r.reviewed_by]),
  );
  const texts = await openGrantTexts(ctx, db, rows);
  const now = Date.now();
  return rows
    .map((r) => ({
      id: r.id,
      ref: r.ref,
      staff: labels.get(r.staff_id) ?? '?',
      reason: texts.get(r.id)?.reason ?? '',
      grantedAt: r.granted_at,
      expiresAt: r.expires_at,
      active: r.expires_at.getTime() > now,
      reviewedBy: r.reviewed_by === null ? null : (labels.get(r.reviewed_by) ?? '?'),
      reviewedAt: r.reviewed_at,
      reviewNote: texts.get(r.id)?.reviewNote ?? null,
    }))
    .sort((a, b) => Number(a.reviewedAt !== null) - Number(b.reviewedAt !== null));
}

export async function countBreakGlassToReview(ctx: AppContext, actor: Actor): Promise<number> {
  if (!canReviewAccess(actor)) return 0;
  return countUnreviewedGrants(ctx.database.db);
}

/** Marks a grant as reviewed. Nobody reviews their own break-glass. */
export async function reviewBreakGlass(
  ctx: AppContext,
  actor: Actor,
  grantId: unknown,
  input: unknown,
): Promise<void> {
  requireAllowed(canReviewAccess(actor), 'review access');
  const staff = staffOnly(actor);
  const id = uuidSchema.safeParse(grantId);
  if (!id.success) throw new AppError('not_found', 'malformed grant id');
  const parsed = reviewFormSchema.safeParse(input);
  await ctx.database.db.transaction().execute(async (trx) => {
    const grant = await findGrant(trx, id.data);
    if (grant === undefined) throw new AppError('not_found', 'no such grant');
    if (grant.staff_id === staff.id) throw new AppError('not_found', 'own grant');
    if (!parsed.success) throw invalid({ note: 'field.too_long' });
    const note = parsed.data.note;
    const noteEnc =
      note === '' ? null : await sealGrantText(ctx, trx, grant.case_id, grant.id, 'review_note', note);
    if (!(await markGrantReviewed(trx, grant.id, staff.id, noteEnc))) {
      throw new AppError('conflict', 'already reviewed');
    }
    const row = await findCaseById(trx, grant.case_id);
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.break_glass_review',
      target: row === undefined ? null : `case:${row.ref}`,
      reason: `grant ${grant.id}`,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Access log

export interface AccessLogEntry {
  at: Date;
  who: string;
  action: string;
  reason: string | null;
}

/** Actions that show in a case's access log. */
const ACCESS_ACTIONS = new Set([
  'case.read',
  'case.break_glass',
  'case.export_pdf',
  'case.export_pdf_request',
  'case.bulk_export_download',
  'case.person_update',
  'case.intake_update',
  'case.status',
  'case.close',
  'case.reopen',
  'case.assign',
  'case.self_assign',
  'case.self_assign_request',
  'case.note_add',
  'case.reply',
  'case.task_add',
  'case.task_done',
  'case.break_glass_review',
  'case.document_add',
  'case.pathways_check',
  'intake.attachment_read',
  'intake.attachment_read_original',
]);

/** Who viewed or changed a case, when and why, from the audit log (which holds no personal data). */
export async function getAccessLog(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  options: { embedded?: boolean } = {},
): Promise<AccessLogEntry[]> {
  const db = ctx.database.db;
  const { row, facts } = await authoriseCase(db, actor, ref, 'metadata').catch(async (error: unknown) => {
    // Access reviewers may read the log of any existing case, even without metadata access.
    if (error instanceof AppError && error.code === 'not_found' && canReviewAccess(actor)) {
      const found = await findCaseByRefOrThrow(db, ref);
      return { row: found, facts: await actorFacts(db, actor, found.id) };
    }
    throw error;
  });
  requireAllowed(canSeeAccessLog(actor, caseFacts(row), facts), 'access log');
  const entries = (await findAuditEntriesForTarget(db, `case:${row.ref}`, 500)).filter((e) =>
    ACCESS_ACTIONS.has(e.action),
  );
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    entries.map((e) => (uuidSchema.safeParse(e.actor).success ? e.actor : null)),
  );
  // Shown inside the case page, the log is covered by that page's own audited read.
  if (options.embedded !== true) {
    await recordAudit(db, {
      actor: staffOnly(actor).id,
      action: 'case.access_log',
      target: `case:${row.ref}`,
    });
  }
  return entries.map((e) => ({
    at: e.at,
    who: labels.get(e.actor) ?? e.actor,
    action: e.action,
    reason: e.reason,
  }));
}

// ---------------------------------------------------------------------------------------------
// Access-anomaly report

/**
 * The rules, deliberately simple and explainable (docs/workspace.md repeats them):
 *
 * - `many_cases`: opened at least MANY_CASES distinct cases in 24 hours. Catches bulk
 *   browsing: a planted volunteer harvesting files, or a stolen session being drained.
 * - `break_glass_habit`: BREAK_GLASS_HABIT or more break-glass grants in 7 days. Catches
 *   emergency access used as a routine way around need-to-know.
 * - `outside_assignment`: read OUTSIDE_CASES or more distinct cases in 7 days that are now
 *   neither assigned to them nor to one of their teams. Catches lingering interest in cases
 *   that moved away, and break-glass scope creep.
 * - `identity_searches`: IDENTITY_SEARCHES or more searches by phone or document number in
 *   24 hours. Catches hunting for one particular person (for instance to pressure a family).
 * - `self_assignment`: any assignment in 7 days that opened a case to the person who made it
 *   (requested for four eyes, or applied under break-glass; ADR 0094). Catches a coordinator
 *   using their power to assign as a way to read a particular case.
 */
export const ANOMALY_THRESHOLDS = {
  manyCases: 25,
  breakGlassHabit: 3,
  outsideCases: 5,
  identitySearches: 20,
  selfAssignments: 1,
} as const;

export type AnomalyRule =
  | 'many_cases'
  | 'break_glass_habit'
  | 'outside_assignment'
  | 'identity_searches'
  | 'self_assignment';

const SELF_ASSIGN_ACTIONS = new Set(['case.self_assign', 'case.self_assign_request']);

export interface Anomaly {
  rule: AnomalyRule;
  staffId: string;
  staff: string;
  count: number;
  threshold: number;
}

export async function getAccessAnomalies(
  ctx: AppContext,
  actor: Actor,
  now = new Date(),
): Promise<Anomaly[]> {
  requireAllowed(canReviewAccess(actor), 'anomalies');
  const db = ctx.database.db;
  const dayAgo = new Date(now.getTime() - 24 * 3600_000);
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600_000);
  const week = await listAuditSince(db, weekAgo, [
    'case.read',
    'case.break_glass',
    'case.search',
    ...SELF_ASSIGN_ACTIONS,
  ]);
  const readsDay = new Map<string, Set<string>>();
  const readsWeek = new Map<string, Set<string>>();
  const grants = new Map<string, number>();
  const searches = new Map<string, number>();
  const selfAssigned = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => {
    const s = m.get(k) ?? new Set<string>();
    s.add(v);
    m.set(k, s);
  };
  for (const e of week) {
    if (e.action === 'case.read' && e.target !== null) {
      add(readsWeek, e.actor, e.target);
      if (e.at >= dayAgo) add(readsDay, e.actor, e.target);
    } else if (e.action === 'case.break_glass') grants.set(e.actor, (grants.get(e.actor) ?? 0) + 1);
    else if (SELF_ASSIGN_ACTIONS.has(e.action)) add(selfAssigned, e.actor, e.target ?? '');
    else if (e.action === 'case.search' && e.at >= dayAgo && /identity/.test(e.reason ?? '')) {
      searches.set(e.actor, (searches.get(e.actor) ?? 0) + 1);
    }
  }
  const found: Array<Omit<Anomaly, 'staff'>> = [];
  const T = ANOMALY_THRESHOLDS;
  for (const [staffId, cases] of readsDay) {
    if (cases.size >= T.manyCases)
      found.push({ rule: 'many_cases', staffId, count: cases.size, threshold: T.manyCases });
  }
  for (const [staffId, n] of grants) {
    if (n >= T.breakGlassHabit)
      found.push({ rule: 'break_glass_habit', staffId, count: n, threshold: T.breakGlassHabit });
  }
  for (const [staffId, n] of searches) {
    if (n >= T.identitySearches) {
      found.push({ rule: 'identity_searches', staffId, count: n, threshold: T.identitySearches });
    }
  }
  for (const [staffId, cases] of selfAssigned) {
    if (cases.size >= T.selfAssignments) {
      found.push({ rule: 'self_assignment', staffId, count: cases.size, threshold: T.selfAssignments });
    }
  }
  for (const [staffId, targets] of readsWeek) {
    if (targets.size < T.outsideCases || !uuidSchema.safeParse(staffId).success) continue;
    const teams = new Set((await findTeamsOfStaff(db, staffId)).map((t) => t.id));
    const refs = [...targets].map((t) => t.replace(/^case:/, '')).slice(0, 5000);
    const rows = await findCaseScopeFacts(db, refs);
    const outside = rows.filter(
      (r) => r.assignee_id !== staffId && (r.team_id === null || !teams.has(r.team_id)),
    );
    if (outside.length >= T.outsideCases) {
      found.push({ rule: 'outside_assignment', staffId, count: outside.length, threshold: T.outsideCases });
    }
  }
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    found.map((f) => (uuidSchema.safeParse(f.staffId).success ? f.staffId : null)),
  );
  await recordAudit(db, { actor: staffOnly(actor).id, action: 'case.anomaly_report', target: null });
  return found
    .map((f) => ({ ...f, staff: labels.get(f.staffId) ?? f.staffId }))
    .sort((a, b) => b.count / b.threshold - a.count / a.threshold);
}

// ---------------------------------------------------------------------------------------------
// Teams and workload

export interface TeamView {
  id: string;
  name: string;
  triage: boolean;
  members: Array<{ id: string; label: string }>;
}

export async function listTeamsWithMembers(
  ctx: AppContext,
  actor: Actor,
): Promise<{
  teams: TeamView[];
  staff: Array<{ id: string; label: string; role: string }>;
}> {
  requireAllowed(canManageTeams(actor), 'teams');
  const db = ctx.database.db;
  const [teams, members, staff] = await Promise.all([
    listTeams(db),
    listTeamMembers(db),
    listAssignableStaff(db),
  ]);
  const labels = await getStaffEmailLabels(ctx, db, [
    ...members.map((m) => m.staff_id),
    ...staff.map((s) => s.id),
  ]);
  return {
    teams: teams.map((t) => ({
      ...t,
      members: members
        .filter((m) => m.team_id === t.id)
        .map((m) => ({ id: m.staff_id, label: labels.get(m.staff_id) ?? '?' })),
    })),
    staff: staff.map((s) => ({ id: s.id, label: labels.get(s.id) ?? '?', role: s.role })),
  };
}

export async function createTeam(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canManageTeams(actor), 'teams');
  const parsed = teamFormSchema.safeParse(input);
  if (!parsed.success) throw invalid({ name: 'field.invalid' });
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findTeamByName(trx, parsed.data.name)) !== undefined) {
      throw new AppError('conflict', 'team exists', { fields: { name: 'error.conflict' } });
    }
    await insertTeam(trx, { id, name: parsed.data.name, triage: parsed.data.triage });
    await recordAudit(trx, { actor: staffOnly(actor).id, action: 'team.create', target: `team:${id}` });
  });
  return id;
}

export async function addTeamMember(
  ctx: AppContext,
  actor: Actor,
  teamId: unknown,
  input: unknown,
): Promise<void> {
  requireAllowed(canManageTeams(actor), 'teams');
  const id = uuidSchema.safeParse(teamId);
  if (!id.success) throw new AppError('not_found', 'malformed team id');
  const parsed = teamMemberFormSchema.safeParse(input);
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findTeamById(trx, id.data)) === undefined) throw new AppError('not_found', 'no such team');
    if (!parsed.success) throw invalid({ staffId: 'field.invalid' });
    const staff = (await listAssignableStaff(trx)).find((s) => s.id === parsed.data.staffId);
    if (staff === undefined) throw invalid({ staffId: 'field.invalid' });
    // Joining a team opens its cases: a coordinator adding themselves would be the
    // self-assignment of ADR 0094 by another door. Someone else must add them.
    const already = (await findTeamsOfStaff(trx, staff.id)).some((team) => team.id === id.data);
    if (staff.id === actor.id && !already) throw invalid({ staffId: 'cases.teams.error_self' });
    await insertTeamMember(trx, id.data, parsed.data.staffId);
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'team.member_add',
      target: `team:${id.data}`,
      reason: `staff ${parsed.data.staffId}`,
    });
  });
}

export interface WorkloadRow {
  staffId: string;
  label: string;
  role: string;
  openCases: number;
  openTasks: number;
}

/** Open cases and tasks per person, busiest first. */
export async function getWorkload(ctx: AppContext, actor: Actor): Promise<WorkloadRow[]> {
  requireAllowed(canSeeWorkload(actor), 'workload');
  const db = ctx.database.db;
  const [counts, staff] = await Promise.all([countWorkload(db), listAssignableStaff(db)]);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    staff.map((s) => s.id),
  );
  const byId = new Map(counts.map((c) => [c.staff_id, c]));
  return staff
    .map((s) => ({
      staffId: s.id,
      label: labels.get(s.id) ?? '?',
      role: s.role,
      openCases: byId.get(s.id)?.cases ?? 0,
      openTasks: byId.get(s.id)?.tasks ?? 0,
    }))
    .sort((a, b) => b.openCases - a.openCases || b.openTasks - a.openTasks);
}

// ---------------------------------------------------------------------------------------------
// Four-eyes approvals and settings

export interface ApprovalItem {
  id: string;
  kind: ApprovalKind;
  status: string;
  ref: string | null;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  canDecide: boolean;
  mine: boolean;
}

/** The kinds of approval this module applies itself; others come with a registered handler. */
const CASE_APPROVAL_KINDS = new Set<ApprovalKind>([
  'close_not_genuine',
  'bulk_export',
  'self_assign',
  'case_pdf',
]);

/** The four-eyes rule for one request: a second person, with the authority its kind asks for. */
function decidable(actor: Actor, kind: ApprovalKind, requestedBy: string): boolean {
  const handler = approvalKindHandler(kind);
  return canDecideApproval(actor, requestedBy, handler?.canDecide.bind(handler));
}

export async function listApprovalItems(ctx: AppContext, actor: Actor): Promise<ApprovalItem[]> {
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const rows = await listApprovals(db);
  // Coordinators and admins see every request; others their own, and those they may decide.
  const visible = canSeeApprovals(actor)
    ? rows
    : rows.filter((r) => r.requested_by === staff.id || decidable(actor, r.kind, r.requested_by));
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    visible.flatMap((r) => [r.requested_by, r.decided_by]),
  );
  return visible.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    ref: r.ref,
    requestedBy: labels.get(r.requested_by) ?? '?',
    requestedAt: r.requested_at,
    decidedBy: r.decided_by === null ? null : (labels.get(r.decided_by) ?? '?'),
    canDecide: r.status === 'pending' && decidable(actor, r.kind, r.requested_by),
    mine: r.requested_by === staff.id,
  }));
}

/**
 * The second pair of eyes. Approving a "not genuine" closing applies it at once (if the
 * case has not changed since the request); approving a bulk export lets the requester
 * download it once. Nobody decides their own request.
 */
export async function decideApproval(
  ctx: AppContext,
  actor: Actor,
  approvalId: unknown,
  decision: 'approve' | 'reject',
): Promise<void> {
  const staff = staffOnly(actor);
  const id = uuidSchema.safeParse(approvalId);
  if (!id.success) throw new AppError('not_found', 'malformed approval id');
  await ctx.database.db.transaction().execute(async (trx) => {
    const approval = await findApproval(trx, id.data);
    if (approval === undefined) throw new AppError('not_found', 'no such approval');
    // A kind owned by another module is decided only through its registered handler.
    if (!CASE_APPROVAL_KINDS.has(approval.kind) && approvalKindHandler(approval.kind) === undefined) {
      throw new AppError('not_found', 'no handler for this kind of approval');
    }
    requireAllowed(decidable(actor, approval.kind, approval.requested_by), 'decide approval');
    if (approval.status !== 'pending') throw new AppError('conflict', 'already decided');
    const decided = decision === 'approve' ? 'approved' : 'rejected';
    if (!(await setApprovalStatus(trx, approval.id, 'pending', decided, staff.id))) {
      throw new AppError('conflict', 'already decided');
    }
    let target: string | null = null;
    const handler = approvalKindHandler(approval.kind);
    if (handler !== undefined) {
      target = await handler.decide(ctx, trx, approval, decision, staff.id);
    } else if (approval.case_id !== null) {
      const row = await lockCaseForUpdate(trx, approval.case_id);
      if (row === undefined) throw new AppError('not_found', 'case vanished');
      target = `case:${row.ref}`;
      if (decision === 'approve' && approval.kind === 'close_not_genuine') {
        if (row.version !== approval.expected_version || !isCaseStatus(row.status)) {
          throw new AppError('conflict', 'case changed since the request');
        }
        await applyTransition(ctx, trx, row, approval.requested_by, 'closed', 'not_genuine', '');
        await setApprovalStatus(trx, approval.id, 'approved', 'used', null);
      }
      if (decision === 'approve' && approval.kind === 'self_assign') {
        await applyApprovedSelfAssignment(ctx, trx, row, approval);
        await setApprovalStatus(trx, approval.id, 'approved', 'used', null);
      }
    }
    await recordAudit(trx, {
      actor: staff.id,
      action: decision === 'approve' ? 'case.approval_approve' : 'case.approval_reject',
      target,
      reason: `${approval.kind} ${approval.id}`,
    });
  });
}

export async function getSettings(ctx: AppContext, actor: Actor): Promise<{ fourEyesNotGenuine: boolean }> {
  requireAllowed(canChangeSettings(actor), 'settings');
  return { fourEyesNotGenuine: (await getSetting(ctx.database.db, SETTING_FOUR_EYES)) !== 'off' };
}

export async function updateSettings(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canChangeSettings(actor), 'settings');
  const parsed = settingsFormSchema.safeParse(input);
  if (!parsed.success) throw invalid({ fourEyesNotGenuine: 'field.invalid' });
  await ctx.database.db.transaction().execute(async (trx) => {
    await putSetting(trx, SETTING_FOUR_EYES, parsed.data.fourEyesNotGenuine ? 'on' : 'off');
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'case.settings',
      target: null,
      reason: `four-eyes not genuine ${parsed.data.fourEyesNotGenuine ? 'on' : 'off'}`,
    });
  });
}
