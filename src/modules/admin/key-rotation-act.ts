import { z } from 'zod';
import { type Actor, type CliActor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import {
  findApproval,
  listApprovedUnused,
  openActPayload,
  registerApprovalKind,
  requestAct,
  setApprovalStatus,
  staffOnly,
} from '../case-access/index.ts';
import { canCreateStaff, listActiveStaffIds } from '../auth/index.ts';
import { rotateRootKey } from '../keys/index.ts';
import { administratorDecides } from './staff-acts.ts';

/**
 * Root-key rotation as a two-person act (issue 18 item 2, ADR 0177). The rotation itself runs
 * only in the server process that holds the unsealed key, started by the operator with
 * `sanctuary keys rotate` over the local admin socket: that is where the new shares are
 * printed, once, for the key holders, never on a web page. What a second person controls is
 * the permission:
 *
 * 1. an administrator files "Rotate the root key" on the administration page (with the share
 *    counts, or the current ones), a pending request with the usual deadline;
 * 2. a second administrator, never the requester, approves it before the deadline: the request
 *    becomes an approved, unused permit (nothing is rotated by the click);
 * 3. `sanctuary keys rotate` uses that permit (once, before the same deadline) with the share
 *    counts the approver saw, and the request is used up in the rotation's own audit trail.
 *
 * While the organisation has fewer than two active administrators (a new installation, which
 * gets its first ones from the CLI too), no second person can exist, and `keys rotate` works
 * without a permit, as before; the audit entry says so.
 */

const countSchema = z
  .union([z.literal(''), z.coerce.number().int().min(2).max(20)])
  .optional()
  .transform((v) => (v === '' || v === undefined ? undefined : v));
const requestSchema = z.object({ shares: countSchema, threshold: countSchema });

/** Files a request to rotate the root key (shares and threshold optional: then the current ones). */
export async function requestKeyRotation(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canCreateStaff(actor), 'keys.rotate');
  const staff = staffOnly(actor);
  const parsed = requestSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new AppError('validation_failed', 'share counts', { fields: { shares: 'field.invalid' } });
  }
  const { shares, threshold } = parsed.data;
  if ((shares === undefined) !== (threshold === undefined) || (shares !== undefined && threshold! > shares)) {
    throw new AppError('validation_failed', 'share counts', { fields: { shares: 'field.invalid' } });
  }
  return ctx.database.db.transaction().execute((trx) =>
    requestAct(ctx, trx, {
      kind: 'keys_rotate',
      requestedBy: staff.id,
      payload: shares === undefined ? {} : { shares: String(shares), threshold: String(threshold) },
    }),
  );
}

registerApprovalKind('keys_rotate', {
  canDecide: administratorDecides,
  describe: (p) => [
    'root key: replaced by a new one; every data key re-wrapped; new shares printed once by `sanctuary keys rotate` on the server',
    p.shares === undefined ? 'shares: as now' : `shares: any ${p.threshold} of ${p.shares}`,
  ],
  // Approving grants the permit only: the request stays "approved" until the CLI uses it.
  async decide(_ctx, _trx, approval) {
    return `approval:${approval.id}`;
  },
});

/** A count, not a read of the staff list: no e-mail is decrypted and nothing is audited (ADR 0208). */
async function activeAdministrators(ctx: AppContext): Promise<number> {
  return (await listActiveStaffIds(ctx.database.db, { roles: ['admin'] })).length;
}

/**
 * `sanctuary keys rotate` on the server (admin socket): with an approved, unused and unexpired
 * `keys_rotate` request (the one named, or the only one), it is used up and the root key
 * rotated with the share counts the approver saw. Without one, refused (409, nothing changed),
 * unless the organisation has fewer than two active administrators.
 */
export async function rotateWithApproval(
  ctx: AppContext,
  /** Only the server's console (the admin socket) holds a CLI actor; the type is the guard. */
  _cli: CliActor,
  options: { request?: string | undefined; shares?: number | undefined; threshold?: number | undefined },
  now: Date = new Date(),
): Promise<Awaited<ReturnType<typeof rotateRootKey>> & { request?: string }> {
  const db = ctx.database.db;
  const rotate = (shares: number | undefined, threshold: number | undefined, why: string) =>
    rotateRootKey(db, ctx.vault, { shares, threshold, actor: `cli (${why})`, dataDir: ctx.config.dataDir });
  const permits = await findPermits(ctx, options.request, now);
  if (permits.length === 0) {
    if (options.request === undefined && (await activeAdministrators(ctx)) < 2) {
      return rotate(options.shares, options.threshold, 'no second administrator exists yet');
    }
    throw new AppError(
      'conflict',
      'rotating the root key needs a second administrator: file "Rotate the root key" on /staff/admin, have another administrator approve it before its deadline, then run "sanctuary keys rotate" again',
    );
  }
  if (permits.length > 1) {
    throw new AppError(
      'conflict',
      `several approved rotations wait: name one with --request (${permits.map((p) => p.id).join(', ')})`,
    );
  }
  const permit = permits[0]!;
  const payload = await openActPayload(ctx, db, permit);
  const shares = payload.shares === undefined ? undefined : Number(payload.shares);
  const threshold = payload.threshold === undefined ? undefined : Number(payload.threshold);
  if (
    (options.shares !== undefined && options.shares !== shares) ||
    (options.threshold !== undefined && options.threshold !== threshold)
  ) {
    throw new AppError('validation_failed', 'the approved request names other share counts', {
      fields: { shares: 'field.invalid' },
    });
  }
  // Used up before the rotation: a rotation that then fails needs a new request (fail closed).
  if (!(await setApprovalStatus(db, permit.id, 'approved', 'used', null))) {
    throw new AppError('conflict', 'the approved request was used meanwhile');
  }
  const result = await rotate(
    shares,
    threshold,
    `approval ${permit.id}, approved by ${permit.decided_by ?? '?'}`,
  );
  return { ...result, request: permit.id };
}

async function findPermits(ctx: AppContext, id: string | undefined, now: Date) {
  const db = ctx.database.db;
  const usable = (a: Awaited<ReturnType<typeof findApproval>>) =>
    a !== undefined &&
    a.kind === 'keys_rotate' &&
    a.status === 'approved' &&
    a.decided_by !== null &&
    a.decided_by !== a.requested_by &&
    (a.expires_at === null || a.expires_at.getTime() > now.getTime());
  if (id !== undefined) {
    if (!z.uuid().safeParse(id).success) return [];
    const one = await findApproval(db, id);
    return usable(one) ? [one!] : [];
  }
  return (await listApprovedUnused(db, 'keys_rotate')).filter((r) => usable(r));
}
