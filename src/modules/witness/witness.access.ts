import { type Actor, actorLabel, requireAllowed, roleHas } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';

/** Who sees the witness alarms (forks, silences): whoever sees the server's status (coordinators, administrators, the CLI). */
export function canSeeForks(actor: Actor): boolean {
  return actor.kind === 'cli' || (actor.kind === 'staff' && roleHas(actor.role, 'server.status'));
}

/** Who acknowledges them: whoever signs checkpoints (administrators, the CLI). */
export function canAcknowledgeForks(actor: Actor): boolean {
  return actor.kind === 'cli' || (actor.kind === 'staff' && roleHas(actor.role, 'audit.checkpoint'));
}

/**
 * Acknowledges one witness alarm (a fork or a silence): it leaves the administration page.
 * Only those who may acknowledge; an id that is malformed, unknown or already acknowledged is
 * 404; the audit entry is written in the acknowledgement's transaction.
 */
export async function acknowledgeAlarm(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
  alarm: {
    readonly action: 'witness.fork_acknowledge' | 'witness.silence_acknowledge';
    readonly target: 'fork' | 'silence';
    readonly notFound: string;
    readonly acknowledge: (trx: Db, id: string, by: string) => Promise<boolean>;
  },
): Promise<void> {
  requireAllowed(canAcknowledgeForks(actor), alarm.action);
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new AppError('not_found', alarm.notFound);
  await ctx.database.db.transaction().execute(async (trx) => {
    if (!(await alarm.acknowledge(trx, id, actorLabel(actor))))
      throw new AppError('not_found', alarm.notFound);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: alarm.action,
      target: `${alarm.target}:${id}`,
    });
  });
}
