import { type Actor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { countAuditEntries } from '../audit/index.ts';
import {
  canListStaff,
  canReadAudit,
  canSealServer,
  canSeeAdminPage,
  canViewServerStatus,
  listSignInAlerts,
  listStaff,
  type SignInAlert,
  type StaffSummary,
} from '../auth/index.ts';
import type { SealStatus } from '../keys/index.ts';
import { sealServer } from '../keys/index.ts';
import { type ActRequestItem, listActRequests } from '../case-access/index.ts';
import {
  canAcknowledgeForks,
  canSeeForks,
  type ForkView,
  listOpenForks,
  listOpenSilences,
  type SilenceView,
  silenceWindowMs,
} from '../witness/index.ts';

export interface AdminOverview {
  seal: SealStatus | null;
  canSeal: boolean;
  staff: StaffSummary[] | null;
  auditEntries: number | null;
  /** Accounts under repeated failed sign-ins (ADR 0090), for those who may list staff. */
  signInAlerts: SignInAlert[] | null;
  /** Pending two-person acts (ADR 0138) the actor filed or may decide. */
  requests: ActRequestItem[];
  /** Forked checkpoints not yet acknowledged (ADR 0175), for those who see the server's status. */
  forks: ForkView[] | null;
  canAcknowledgeForks: boolean;
  /** Witness silence alarms not yet acknowledged (ADR 0213), for those who see the forks. */
  silences: SilenceView[] | null;
  /** The silence window in minutes. */
  silenceMinutes: number;
  /** Whether the audit-log viewer is open to the actor (issue 21 item 4). */
  canReadAudit: boolean;
}

/** What the administration page shows, chosen by what the actor may see. */
export async function getAdminOverview(ctx: AppContext, actor: Actor): Promise<AdminOverview> {
  requireAllowed(canSeeAdminPage(actor), 'admin page');
  return {
    seal: canViewServerStatus(actor) || canSealServer(actor) ? ctx.vault.status() : null,
    canSeal: canSealServer(actor),
    staff: canListStaff(actor) ? await listStaff(ctx, actor) : null,
    auditEntries: canViewServerStatus(actor) ? await countAuditEntries(ctx.database.db) : null,
    signInAlerts: canListStaff(actor) ? await listSignInAlerts(ctx, actor) : null,
    requests: actor.kind === 'staff' ? await listActRequests(ctx, actor) : [],
    forks: canSeeForks(actor) ? await listOpenForks(ctx, actor) : null,
    canAcknowledgeForks: canAcknowledgeForks(actor),
    silences: canSeeForks(actor) ? await listOpenSilences(ctx, actor) : null,
    silenceMinutes: silenceWindowMs(ctx) / 60_000,
    canReadAudit: canReadAudit(actor),
  };
}

/**
 * "Seal now" from any staff member's own session (issue 18, item 5): one action and a
 * confirmation (`confirm=seal`), audited as `server.seal` with the person's id. Anyone who
 * sees a raid coming can pull the brake; unsealing needs K key holders, as always.
 */
export async function sealFromOwnSession(ctx: AppContext, actor: Actor, input: unknown): Promise<SealStatus> {
  requireAllowed(actor.kind === 'staff', 'seal from session');
  requireSealConfirmed(input);
  return sealServer(ctx.database.db, ctx.vault, actor.id);
}

/** A web "Seal now" carries the ticked confirmation (`confirm=seal`), else 400 and nothing sealed. */
function requireSealConfirmed(input: unknown): void {
  if ((input as { confirm?: unknown } | null)?.confirm !== 'seal') {
    throw new AppError('validation_failed', 'seal not confirmed', { fields: { confirm: 'field.required' } });
  }
}

/**
 * "Seal now" from the UI (confirmed on the form, issue 21 item 4) or the CLI. Returns how the
 * server was unsealed before (`dev`: a key file, restarting unseals it; `shamir`: key shares).
 */
export async function sealFromActor(
  ctx: AppContext,
  actor: Actor,
  input?: unknown,
): Promise<SealStatus & { unsealedWith: SealStatus['mode'] }> {
  requireAllowed(canSealServer(actor), 'server.seal');
  if (actor.kind !== 'cli') requireSealConfirmed(input);
  const unsealedWith = ctx.vault.status().mode;
  const status = await sealServer(ctx.database.db, ctx.vault, actor.kind === 'cli' ? 'cli' : actor.id);
  return { ...status, unsealedWith };
}
