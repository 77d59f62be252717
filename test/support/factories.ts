import { randomUUID } from 'node:crypto';
import type { Actor, StaffActor } from '../../src/access/index.ts';
import type { AppContext } from '../../src/context.ts';
import { encryptField } from '../../src/crypto/index.ts';
import type { StaffRoleName } from '../../src/db/types.ts';
import { insertApproval, insertBreakGlassGrant, sealGrantText } from '../../src/modules/case-access/index.ts';
import { createCase, type NewCaseInput } from '../../src/modules/cases/index.ts';
import { openSubjectKey } from '../../src/modules/keys/index.ts';
import { upsertSignal } from '../../src/modules/vetting/vetting.repository.ts';
import { openVettingKey } from '../../src/modules/vetting/vetting-keys.ts';

export { seedTeam as buildTeam } from '../../src/modules/case-access/index.ts';

/**
 * Factories for tests, the demo and the benchmark: teams and cases built through the real
 * services (so every personal field is encrypted and indexed as in production).
 */
export async function buildCase(
  ctx: AppContext,
  options: Partial<NewCaseInput> & {
    teamId?: string | null;
    assigneeId?: string | null;
    status?: string;
  } = {},
): Promise<{ id: string; ref: string }> {
  const { teamId, assigneeId, status, ...input } = options;
  const actor: Actor = { kind: 'cli', id: 'cli' };
  const created = await createCase(ctx, actor, {
    person: { givenName: 'Иван', familyName: 'Петров', documents: [], family: [] },
    story: 'A story.',
    ...input,
  });
  if (teamId !== undefined || assigneeId !== undefined || status !== undefined) {
    await ctx.database.db
      .updateTable('cases')
      .set({
        ...(teamId === undefined ? {} : { team_id: teamId }),
        ...(assigneeId === undefined ? {} : { assignee_id: assigneeId }),
        ...(status === undefined ? {} : { status }),
      })
      .where('id', '=', created.id)
      .execute();
  }
  return created;
}

/** A staff actor as the session guard would build it, for calling services directly in tests. */
export function staffActor(staff: { id: string; role: StaffRoleName }): StaffActor {
  return { kind: 'staff', id: staff.id, role: staff.role, sessionHash: Buffer.alloc(32) };
}

/** A break-glass grant as the service writes it (reason encrypted under the case key), without the checks. */
export async function buildBreakGlassGrant(
  ctx: AppContext,
  options: { staffId: string; caseId: string; reason?: string; hours?: number },
): Promise<string> {
  const id = randomUUID();
  const db = ctx.database.db;
  const reason = options.reason ?? 'covering for a colleague';
  await insertBreakGlassGrant(db, {
    id,
    staff_id: options.staffId,
    case_id: options.caseId,
    reason_enc: await sealGrantText(ctx, db, options.caseId, id, 'reason', reason),
    expires_at: new Date(Date.now() + (options.hours ?? 1) * 3600_000),
  });
  return id;
}

/** An open "possible duplicate" signal between cases, as the linkage job would raise it. */
export async function buildVettingSignal(ctx: AppContext, caseIds: string[]): Promise<string> {
  const db = ctx.database.db;
  const key = await openVettingKey(ctx, db);
  try {
    const { id } = await upsertSignal(db, {
      kind: 'duplicate',
      pairKey: randomUUID(),
      caseIds,
      watchlistEntryId: null,
      score: 0.97,
      detail: (rowId) =>
        encryptField(
          key,
          JSON.stringify({
            type: 'pair',
            probability: 0.97,
            weight: 5,
            swappedNames: false,
            fields: [{ field: 'familyName', level: 'same', weight: 6.2 }],
            documentMatch: false,
            threshold: 0.9,
            model: 'prior',
          }),
          { table: 'vetting_signals', column: 'detail', rowId },
        ),
    });
    return id;
  } finally {
    key.dispose();
  }
}

/** An open task on a case (title encrypted under the case key), without the access checks. */
export async function buildCaseTask(ctx: AppContext, caseId: string): Promise<string> {
  const id = randomUUID();
  const db = ctx.database.db;
  const key = await openSubjectKey(db, ctx.vault, `case:${caseId}`);
  try {
    await db
      .insertInto('case_tasks')
      .values({
        id,
        case_id: caseId,
        kind: 'call',
        title_enc: encryptField(key, 'call back', { table: 'case_tasks', column: 'title', rowId: id }),
        due_on: '2030-01-01',
        assignee_id: null,
        created_by: null,
      })
      .execute();
  } finally {
    key.dispose();
  }
  return id;
}

/** A pending four-eyes request to close a case as not genuine, by `requestedBy`. */
export async function buildCloseApproval(
  ctx: AppContext,
  options: { caseId: string; requestedBy: string },
): Promise<string> {
  const id = randomUUID();
  await insertApproval(ctx.database.db, {
    id,
    kind: 'close_not_genuine',
    case_id: options.caseId,
    requested_by: options.requestedBy,
    payload_enc: null,
    expected_version: 1,
  });
  return id;
}

/** An approved bulk export of `refs` requested by `staffId` (payload under the staff key). */
export async function buildApprovedExport(
  ctx: AppContext,
  options: { staffId: string; refs: string[] },
): Promise<string> {
  const id = randomUUID();
  const db = ctx.database.db;
  const key = await openSubjectKey(db, ctx.vault, `staff:${options.staffId}`);
  try {
    await insertApproval(db, {
      id,
      kind: 'bulk_export',
      case_id: null,
      requested_by: options.staffId,
      payload_enc: null,
      expected_version: null,
    });
    await db
      .updateTable('case_approvals')
      .set({
        status: 'approved',
        payload_enc: encryptField(key, JSON.stringify({ refs: options.refs }), {
          table: 'case_approvals',
          column: 'payload',
          rowId: id,
        }),
      })
      .where('id', '=', id)
      .execute();
  } finally {
    key.dispose();
  }
  return id;
}

/**
 * A partner of the referral network (issue 14), added through the real service (details
 * encrypted, blind-indexed, screened), then vetted by `vettedBy` when given, and linked to the
 * partner-role accounts in `members`.
 */
export async function buildPartner(
  ctx: AppContext,
  options: {
    vouchedBy?: StaffActor;
    vettedBy?: string;
    members?: string[];
    form?: Record<string, string | string[]>;
  } = {},
): Promise<string> {
  const { createPartner } = await import('../../src/modules/referrals/index.ts');
  const actor: Actor = options.vouchedBy ?? { kind: 'cli', id: 'cli' };
  const { id } = await createPartner(ctx, actor, {
    kind: 'host',
    name: 'Nino host',
    country: 'GE',
    city: 'Tbilisi',
    languages: ['ru', 'ka'],
    specialties: ['families'],
    capacityPlaces: '4',
    contactMethod: 'signal',
    contact: '@nino.example',
    ...options.form,
  });
  if (options.vettedBy !== undefined) {
    await ctx.database.db
      .updateTable('partners')
      .set({ vetting_status: 'vetted', vetted_by: options.vettedBy, vetted_at: new Date() })
      .where('id', '=', id)
      .execute();
  }
  for (const staffId of options.members ?? []) {
    await ctx.database.db
      .insertInto('partner_members')
      .values({ staff_id: staffId, partner_id: id })
      .execute();
  }
  return id;
}
