import { type Actor, roleHas } from '../../access/index.ts';

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
 * Staff administration acts (issue 21 item 4, ADR 0190): administrators, never on their own
 * account (a phished administrator must not lift a disable, reset or re-role themselves).
 */
export function canAdministerStaff(actor: Actor, targetId: string): boolean {
  if (actor.kind === 'cli') return true;
  return roleHas(actor.role, 'staff.create') && actor.id !== targetId;
}
