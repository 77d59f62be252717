import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { type AuditAction, recordAudit } from '../audit/index.ts';
import {
  type AuthorisedCase,
  authoriseCase,
  insertApproval,
  requireAllowed,
  staffOnly,
} from '../case-access/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { bind, subjectOf, validation } from './case-helpers.ts';
import { updateCaseIfVersion } from './cases.repository.ts';
import { recordEvent } from './cases.service.ts';

export function conflict(): AppError {
  return new AppError('conflict', 'stale version');
}

/** What an action's own step receives: the case as loaded (and locked, if versioned), the form, the member. */
export interface CaseStep<F> {
  trx: Db;
  row: CaseRow;
  auth: AuthorisedCase;
  staff: StaffActor;
  form: F;
  /** Runs `work` with the case's data key, disposed afterwards. */
  withKey<T>(work: (key: DataKey) => Promise<T>): Promise<T>;
}

export type Parsed<F> =
  | { success: true; data: F }
  | {
      success: false;
      error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
    };

/** What differs between the staff actions on one case; `actOnCase` does the rest. */
export interface CaseActionSpec<F, R> {
  /** Parses the input; a failure answers 400, but only after the access check (others get 404). */
  parse(input: unknown): Parsed<F>;
  /** Access to load the case with: 'write' (the default) or 'metadata'. */
  need?: 'write' | 'metadata';
  /** A further access check before the input is looked at (404 when false). */
  allowed?(auth: AuthorisedCase): boolean;
  /** A check that needs the form, before the version (throws, e.g. 404 for a refused target). */
  decide?(auth: AuthorisedCase, form: F): void;
  /** Versioned edits: the row is locked and must still have this version (409 otherwise). */
  version?(form: F): number;
  /** The action itself. */
  step(s: CaseStep<F>): Promise<R>;
  /** The audit entry, on the case; omitted when the step audits itself. */
  audit?(form: F, result: R): { action: AuditAction; reason?: string | null };
}

/**
 * The shape every staff action on one case shares, in one transaction: load the case with
 * the access check (404 for a case the actor may not see, exactly like a missing one), then
 * the input (400), then the version (409: no silent overwrite, ADR 0051), then the action's
 * own step, then its audit entry. A refusal at any point leaves nothing written.
 */
export async function actOnCase<F, R>(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
  spec: CaseActionSpec<F, R>,
): Promise<R> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const auth = await authoriseCase(trx, actor, ref, spec.need ?? 'write', {
      forUpdate: spec.version !== undefined,
    });
    requireAllowed(spec.allowed?.(auth) ?? true, 'case action');
    const parsed = spec.parse(input);
    if (!parsed.success) throw validation(parsed.error);
    const form = parsed.data;
    spec.decide?.(auth, form);
    if (spec.version !== undefined && auth.row.version !== spec.version(form)) throw conflict();
    const staff = staffOnly(actor);
    const result = await spec.step({
      trx,
      row: auth.row,
      auth,
      staff,
      form,
      withKey: (work) => withSubjectKey(ctx, subjectOf(auth.row.id), work, trx),
    });
    const entry = spec.audit?.(form, result);
    if (entry !== undefined) {
      await recordAudit(trx, {
        actor: actorLabel(actor),
        action: entry.action,
        target: `case:${auth.row.ref}`,
        reason: entry.reason ?? null,
      });
    }
    return result;
  });
}

/**
 * Records a four-eyes request on the case at its current version (ADR 0056), the details
 * sealed with the case's data key. Returns the request's id.
 */
export async function requestCaseApproval(
  s: Pick<CaseStep<unknown>, 'trx' | 'row' | 'staff' | 'withKey'>,
  kind: 'close_not_genuine' | 'self_assign',
  payload: Record<string, string | null>,
): Promise<string> {
  const id = randomUUID();
  await s.withKey((key) =>
    insertApproval(s.trx, {
      id,
      kind,
      case_id: s.row.id,
      requested_by: s.staff.id,
      expected_version: s.row.version,
      payload_enc: encryptField(key, JSON.stringify(payload), bind('case_approvals', 'payload', id)),
    }),
  );
  return id;
}

/** A versioned write of the case row and its timeline event; 409 if the case changed meanwhile. */
export async function updateVersioned(
  s: CaseStep<{ version: number }>,
  key: DataKey,
  values: Parameters<typeof updateCaseIfVersion>[3],
  event: 'status' | 'assign' | 'person' | 'intake',
  detail: Record<string, string | null> | null = null,
): Promise<void> {
  if (!(await updateCaseIfVersion(s.trx, s.row.id, s.form.version, values))) throw conflict();
  await recordEvent(s.trx, key, s.row.id, event, s.staff.id, detail);
}
