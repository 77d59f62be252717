import type { StaffRoleName } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { roleHas } from './roles.ts';

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

// One function per decision. Each returns a boolean; `require*` turns "no" into an error.

export function canSealServer(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'server.seal');
}

export function canViewServerStatus(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'server.status');
}

export function canListStaff(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'staff.list');
}

export function canCreateStaff(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'staff.create');
}

/** Nobody disables their own account: it would lock the last admin out by mistake. */
export function canDisableStaff(actor: Actor, targetId: string): boolean {
  if (actor.kind === 'cli') return true;
  return roleHas(actor.role, 'staff.disable') && actor.id !== targetId;
}

export function canReadAudit(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'audit.read');
}

export function canSeeAdminPage(actor: Actor): boolean {
  return canViewServerStatus(actor) || canListStaff(actor) || canSealServer(actor);
}

/**
 * Refusals answer 404, not 403: a page or record the actor may not use does not exist
 * for them (DESIGN.md §2.4).
 */
export function requireAllowed(allowed: boolean, what: string): void {
  if (!allowed) throw new AppError('not_found', `not allowed: ${what}`);
}
