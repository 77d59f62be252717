import { type Actor, roleHas } from '../../access/index.ts';

/**
 * The tracing pages: staff who hold cases (caseworkers, lawyers, coordinators). What each of
 * them sees there is narrowed further to the cases they may write (tracing.service.ts).
 */
export function canUseTracing(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'cases.write_assigned');
}
