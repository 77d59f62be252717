import { randomUUID } from 'node:crypto';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import {
  countUnreviewedGrants,
  extendGrant,
  findGrant,
  insertBreakGlassGrant,
  listGrantsForReview,
  markGrantReviewed,
} from './break-glass.repository.ts';
import { registerAct, requestAct } from './approval-kinds.ts';
import { openGrantTexts, sealGrantText } from './break-glass-text.ts';
import { invalid } from './case-access.errors.ts';
import { canBreakGlass, canReviewAccess, requireAllowed } from './case-access.policy.ts';
import { breakGlassFormSchema, caseRefSchema, reviewFormSchema, uuidSchema } from './case-access.schemas.ts';
import { actorFacts, authoriseCase, caseFacts, staffOnly } from './case-authorisation.ts';
import { findCaseById, findCaseScopeFacts } from './case-facts.repository.ts';

/** How long a break-glass grant lasts at most: beyond its first hour only with a second person (ADR 0138). */
export const BREAK_GLASS_HOURS = 4;
/** How long a grant lasts on one person's word. */
export const BREAK_GLASS_FIRST_HOURS = 1;

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
    const expiresAt = new Date(Date.now() + BREAK_GLASS_FIRST_HOURS * 3600_000);
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

export async function findCaseByRefOrThrow(db: Db, ref: unknown) {
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

/**
 * Asks for one's own active break-glass grant to last BREAK_GLASS_HOURS from when it was
 * granted instead of BREAK_GLASS_FIRST_HOURS: a two-person act (ADR 0138) that a coordinator or
 * administrator (access reviewers), never the grantee, approves before the grant lapses.
 * Someone else's grant, a lapsed or an unknown one: 404.
 */
export async function requestBreakGlassExtension(
  ctx: AppContext,
  actor: Actor,
  grantId: unknown,
): Promise<string> {
  const staff = staffOnly(actor);
  const id = uuidSchema.safeParse(grantId);
  if (!id.success) throw new AppError('not_found', 'malformed grant id');
  return ctx.database.db.transaction().execute(async (trx) => {
    const grant = await findGrant(trx, id.data);
    if (grant === undefined || grant.staff_id !== staff.id || grant.expires_at.getTime() <= Date.now()) {
      throw new AppError('not_found', 'no active grant of yours');
    }
    const row = await findCaseById(trx, grant.case_id);
    if (row === undefined) throw new AppError('not_found', 'case vanished');
    const until = new Date(grant.granted_at.getTime() + BREAK_GLASS_HOURS * 3600_000);
    return requestAct(ctx, trx, {
      kind: 'break_glass_extend',
      requestedBy: staff.id,
      subjectStaffId: staff.id,
      payload: { grantId: grant.id, ref: row.ref, until: until.toISOString() },
    });
  });
}

registerAct('break_glass_extend', {
  canDecide: canReviewAccess,
  describe: (p) => [`break-glass on case ${p.ref ?? '?'}`, `extended until ${p.until ?? '?'} (UTC)`],
  async execute(_ctx, trx, p, by) {
    const until = new Date(p.until ?? '');
    if (
      p.grantId === undefined ||
      Number.isNaN(until.getTime()) ||
      !(await extendGrant(trx, p.grantId, until, new Date()))
    ) {
      throw new AppError('conflict', 'grant lapsed');
    }
    const target = `case:${p.ref}`;
    await recordAudit(trx, {
      actor: by.requester,
      action: 'case.break_glass_extend',
      target,
      reason: `grant ${p.grantId}; ${by.reason}`,
    });
    return { target };
  },
});
