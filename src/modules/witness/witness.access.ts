import { type Actor, roleHas } from '../../access/index.ts';

/** Who sees the witness alarms (forks, silences): whoever sees the server's status (coordinators, administrators, the CLI). */
export function canSeeForks(actor: Actor): boolean {
  return actor.kind === 'cli' || (actor.kind === 'staff' && roleHas(actor.role, 'server.status'));
}

/** Who acknowledges them: whoever signs checkpoints (administrators, the CLI). */
export function canAcknowledgeForks(actor: Actor): boolean {
  return actor.kind === 'cli' || (actor.kind === 'staff' && roleHas(actor.role, 'audit.checkpoint'));
}
