import { randomUUID } from 'node:crypto';
import { type Actor, requireAllowed } from '../../access/index.ts';
import { DEFAULT_WITNESS_SILENCE_MINUTES } from '../../config/audit-config.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { WitnessPeerRole } from '../../db/types.ts';
import { recordAudit } from '../audit/index.ts';
import { acknowledgeAlarm, canSeeForks } from './witness.access.ts';
import { findVerifiedPeer } from '../federation/index.ts';
import {
  acknowledgeSilenceRow,
  countSilences,
  endSilence,
  insertSilence,
  listHeartbeats,
  listUnacknowledgedSilences,
  noteHeartbeat,
  type SilenceRow,
  watchPeer,
} from './witness.repository.ts';

/**
 * The silence alarm (ADR 0213). A fork is only seen when a checkpoint arrives; an intruder who
 * stops the pushes (deletes the queued jobs or the witness's peer row, freezes the checkpoint
 * writer, keeps the server sealed) is seen by nothing arriving. So both ends watch the time:
 *
 * - a witness, each verified origin that ever pushed to it: no checkpoint from it within the
 *   window raises the alarm;
 * - an origin, each configured witness: no countersignature from it within the window (pushes
 *   failing, or not being made) raises the alarm on its own administration page.
 *
 * The time kept is the checkpoint's own signed time, never later than when it arrived: a
 * statement replayed from the past does not quiet the alarm. The periodic check
 * (`witness.silence_check`, every 5 minutes) raises the alarm once per silence, audited as
 * `witness.silence`; the next checkpoint ends it (`witness.silence_end`); it stays on the
 * administration page until an administrator acknowledges it (`witness.silence_acknowledge`).
 * Every function takes `now`: tests pin the clock, nothing here reads it.
 */

/** The window, in milliseconds (SANCTUARY_WITNESS_SILENCE_MINUTES, default 60). */
export function silenceWindowMs(ctx: AppContext): number {
  return (ctx.config.audit.witnessSilenceMinutes ?? DEFAULT_WITNESS_SILENCE_MINUTES) * 60_000;
}

/**
 * Notes a checkpoint exchanged with a peer (received from an origin, or countersigned by a
 * witness) in the caller's transaction, and ends that peer's open silence (audited) when the
 * checkpoint is recent: one signed before the window (a replay, a late retry) ends nothing.
 */
export async function noteCheckpoint(
  db: Db,
  role: WitnessPeerRole,
  peer: string,
  checkpointAt: string,
  now: Date,
  windowMs: number,
): Promise<void> {
  const signed = Date.parse(checkpointAt);
  const at = new Date(Number.isFinite(signed) ? Math.min(signed, now.getTime()) : now.getTime());
  await noteHeartbeat(db, role, peer, at, now);
  if (now.getTime() - at.getTime() >= windowMs) return;
  const ended = await endSilence(db, role, peer, now);
  if (ended !== undefined) {
    await recordAudit(db, {
      actor: 'system',
      action: 'witness.silence_end',
      target: `silence:${ended}`,
      reason: `a checkpoint from the ${role} ${peer} arrived again`,
    });
  }
}

/** Who is watched now: the configured witnesses (while unsealed), and every verified origin that pushed. */
async function watched(ctx: AppContext, now: Date) {
  const db = ctx.database.db;
  const witnesses = ctx.config.audit.witnessPeers;
  // While sealed this server cannot push: that silence is the seal's, shown as such.
  if (!ctx.vault.sealed) for (const w of witnesses) await watchPeer(db, 'witness', w, now);
  const ownWitnesses = ctx.vault.sealed
    ? []
    : (await listHeartbeats(db, 'witness')).filter((h) => witnesses.includes(h.peer));
  const origins = [];
  // An origin whose peer entry was revoked is no longer expected to push.
  for (const h of await listHeartbeats(db, 'origin'))
    if ((await findVerifiedPeer(db, h.peer)) !== undefined) origins.push(h);
  return [...ownWitnesses, ...origins];
}

/**
 * The periodic check: raises the alarm for every watched peer whose newest checkpoint is older
 * than the window (or, never heard from, watched for longer than the window), once per silence,
 * audited. Returns the ids of the alarms raised now.
 */
export async function checkSilences(ctx: AppContext, now: Date): Promise<string[]> {
  const window = silenceWindowMs(ctx);
  const raised: string[] = [];
  for (const h of await watched(ctx, now)) {
    const last = h.last_checkpoint_at ?? h.watched_since;
    if (now.getTime() - new Date(last).getTime() < window) continue;
    const id = randomUUID();
    await ctx.database.db.transaction().execute(async (trx) => {
      const fresh = await insertSilence(trx, {
        id,
        peer_role: h.peer_role,
        peer: h.peer,
        last_checkpoint_at: h.last_checkpoint_at,
        raised_at: now,
      });
      if (!fresh) return;
      raised.push(id);
      await recordAudit(trx, {
        actor: 'system',
        action: 'witness.silence',
        target: `silence:${id}`,
        reason: `no checkpoint from the ${h.peer_role} ${h.peer} since ${
          h.last_checkpoint_at === null
            ? `watching began at ${new Date(last).toISOString()}`
            : new Date(last).toISOString()
        }`,
      });
    });
  }
  if (raised.length > 0) {
    ctx.logger.error({ alarms: raised.length }, 'witness silence: no checkpoint within the window');
  }
  return raised;
}

export interface SilenceView {
  id: string;
  /** 'origin': an origin this server witnesses fell silent; 'witness': one of this server's witnesses did. */
  peerRole: WitnessPeerRole;
  peer: string;
  /** The peer's name as the administrator entered it, while it is a verified peer. */
  peerLabel: string | null;
  lastCheckpointAt: Date | null;
  raisedAt: Date;
  endedAt: Date | null;
}

async function presentSilence(db: Db, r: SilenceRow): Promise<SilenceView> {
  return {
    id: r.id,
    peerRole: r.peer_role,
    peer: r.peer,
    peerLabel: (await findVerifiedPeer(db, r.peer))?.label ?? null,
    lastCheckpointAt: r.last_checkpoint_at === null ? null : new Date(r.last_checkpoint_at),
    raisedAt: new Date(r.raised_at),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at),
  };
}

/** Silence alarms not yet acknowledged, newest first (the administration page; who sees forks sees these). */
export async function listOpenSilences(ctx: AppContext, actor: Actor): Promise<SilenceView[]> {
  requireAllowed(canSeeForks(actor), 'witness.silences');
  const db = ctx.database.db;
  return Promise.all((await listUnacknowledgedSilences(db)).map((r) => presentSilence(db, r)));
}

/** Every silence alarm not yet acknowledged (`sanctuary witness forks`). */
export async function listAllSilences(db: Db): Promise<SilenceView[]> {
  return Promise.all((await listUnacknowledgedSilences(db, 1000)).map((r) => presentSilence(db, r)));
}

/** Acknowledges a silence alarm: it leaves the administration page. Audited; a second time is 404. */
export async function acknowledgeSilence(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
  now: Date,
): Promise<void> {
  await acknowledgeAlarm(ctx, actor, id, {
    action: 'witness.silence_acknowledge',
    target: 'silence',
    notFound: 'no such alarm',
    acknowledge: (trx, alarm, by) => acknowledgeSilenceRow(trx, alarm, by, now),
  });
}

/** `sanctuary_witness_silences{state="silent"|"unacknowledged"}` on the health port's /metrics. */
export function registerSilenceMetrics(ctx: AppContext): void {
  ctx.metrics.labelledGauge(
    'sanctuary_witness_silences',
    'Witness silence alarms: peers silent now (no checkpoint within the window), and alarms not yet acknowledged',
    'state',
    ['silent', 'unacknowledged'],
    () => countSilences(ctx.database.db),
  );
}
