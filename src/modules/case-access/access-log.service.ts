import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import {
  type AuditAction,
  findAuditEntriesForTarget,
  listAuditEntriesSince,
  recordAudit,
} from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import { findCaseByRefOrThrow } from './break-glass.service.ts';
import { canReviewAccess, canSeeAccessLog, requireAllowed } from './case-access.policy.ts';
import { uuidSchema } from './case-access.schemas.ts';
import { actorFacts, authoriseCase, caseFacts, staffOnly } from './case-authorisation.ts';
import { findCaseScopeFacts } from './case-facts.repository.ts';
import { findTeamsOfStaff } from './teams.repository.ts';

export interface AccessLogEntry {
  at: Date;
  /** A colleague's label, or (when `staff` is false) the kind of actor: applicant, system, cli, unknown. */
  who: string;
  staff: boolean;
  action: string;
  reason: string | null;
}

/** Actions that show in a case's access log (named actions only: a misspelt one would never show). */
const ACCESS_ACTIONS = new Set<string>([
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
  // The ledger (issue 15): requests with payment details, their reveal, authenticity signals.
  'ledger.disbursement_request',
  'ledger.reward_claim',
  'ledger.payment_details_reveal',
  'ledger.payment_details_reveal_again',
  'ledger.authenticity_record',
  'ledger.authenticity_read',
  // Family tracing (ADR 0156): on the family's case, and on the sought person's.
  'tracing.request',
  'tracing.read',
  'tracing.rematch',
  'tracing.proposal_confirm',
  'tracing.proposal_reject',
  'tracing.consent',
  'tracing.consent_refused',
  'tracing.consent_withdraw',
  'tracing.relay',
  'tracing.close',
] satisfies AuditAction[]);

/**
 * Adds the audit actions of a module built on the case core to what a case's access log shows
 * (referrals: each step of a referral, issue 14), so this module never names that one.
 */
export function registerAccessActions(actions: readonly AuditAction[]): void {
  for (const action of actions) ACCESS_ACTIONS.add(action);
}

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
  const { entries, staffIds } = await listCaseAccessEntries(db, row.ref);
  const labels = await getStaffEmailLabels(ctx, db, staffIds);
  // Shown inside the case page, the log is covered by that page's own audited read.
  if (options.embedded !== true) {
    await recordAudit(db, {
      actor: staffOnly(actor).id,
      action: 'case.access_log',
      target: `case:${row.ref}`,
    });
  }
  return labelAccessEntries(entries, labels);
}

/**
 * The raw access-log entries of a case and the staff ids among their actors, without an
 * access check: for a caller that has already decided `canSeeAccessLog` (the case page, which
 * looks the labels up once with the rest of the page's).
 */
export async function listCaseAccessEntries(
  db: Db,
  ref: string,
): Promise<{
  entries: Array<{ at: Date; actor: string; action: string; reason: string | null }>;
  staffIds: Array<string | null>;
}> {
  const entries = (await findAuditEntriesForTarget(db, `case:${ref}`, 500)).filter((e) =>
    ACCESS_ACTIONS.has(e.action),
  );
  return { entries, staffIds: entries.map((e) => (uuidSchema.safeParse(e.actor).success ? e.actor : null)) };
}

/** Access-log entries with each staff actor shown by their label (others as recorded). */
export function labelAccessEntries(
  entries: ReadonlyArray<{ at: Date; actor: string; action: string; reason: string | null }>,
  labels: ReadonlyMap<string, string>,
): AccessLogEntry[] {
  return entries.map((e) => ({
    at: e.at,
    who: labels.get(e.actor) ?? (uuidSchema.safeParse(e.actor).success ? 'unknown' : e.actor),
    staff: labels.has(e.actor),
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

const SELF_ASSIGN_ACTIONS = ['case.self_assign', 'case.self_assign_request'] as const satisfies AuditAction[];
const SELF_ASSIGNED = new Set<string>(SELF_ASSIGN_ACTIONS);

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
  const week = await listAuditEntriesSince(db, weekAgo, [
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
    else if (SELF_ASSIGNED.has(e.action)) add(selfAssigned, e.actor, e.target ?? '');
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
