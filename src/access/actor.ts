import type { StaffRoleName } from '../db/types.ts';
import { AppError } from '../platform/errors.ts';

/** The signed-in staff member a service acts for. */
export interface StaffActor {
  kind: 'staff';
  id: string;
  role: StaffRoleName;
  /** Hash of the session token, for CSRF tokens and sign-out. */
  sessionHash: Buffer;
}

/** The CLI on the server machine, through the local admin channel (trusted by file permissions). */
export interface CliActor {
  kind: 'cli';
  id: 'cli';
}

export type Actor = StaffActor | CliActor;

export function actorLabel(actor: Actor): string {
  return actor.kind === 'cli' ? 'cli' : actor.id;
}

/**
 * Refusals answer 404, not 403: a page or record the actor may not use does not exist
 * for them (DESIGN.md §2.4).
 */
export function requireAllowed(allowed: boolean, what: string): void {
  if (!allowed) throw new AppError('not_found', `not allowed: ${what}`);
}
