import { randomUUID } from 'node:crypto';
import { type Actor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { fingerprintAuditKey } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CheckpointLog } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { type AuditCheckpoint, recordAudit } from '../audit/index.ts';
import {
  findVerifiedPeer,
  httpTransport,
  ownIdentity,
  type PacketTransport,
  type VerifiedPeer,
} from '../federation/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { acknowledgeAlarm, canAcknowledgeForks, canSeeForks } from './witness.access.ts';
import { noteCheckpoint, registerSilenceMetrics, silenceWindowMs } from './witness.silence.ts';
import {
  CHECKPOINT_LOGS,
  checkCountersignature,
  checkpointSchema,
  checkpointSignatureValid,
  type Countersignature,
  countersign,
  signStatement,
  statementSchema,
  statementSignatureValid,
  WITNESS_API_PATH,
  WitnessRefused,
} from './witness.protocol.ts';
import {
  acknowledgeForkRow,
  countForks,
  findCopy,
  type ForkRow,
  insertCopy,
  insertFork,
  listCopies,
  listForkRows,
  listReceipts,
  upsertReceipt,
} from './witness.repository.ts';

export const JOB_WITNESS_PUSH = 'witness.push';
/** What the fork alarm names as the origin of this server's own logs. */
export const SELF = 'self';

const hex = (b: Uint8Array) => toBuffer(b).toString('hex');
const asCheckpoint = (json: string): AuditCheckpoint => JSON.parse(json) as AuditCheckpoint;

// ---------------------------------------------------------------------------------------------
// The fork alarm

/**
 * Records a fork: two different signed checkpoints for one log and sequence number. Once per
 * (origin, log, seq, second head); audited as `witness.fork` without anything personal. Runs in
 * the caller's transaction or database, and never throws for a fork already recorded.
 */
export async function raiseFork(
  db: Db,
  fork: {
    origin: string;
    log: CheckpointLog;
    seenBy: 'witness' | 'origin' | 'verify';
    peer?: string | null;
    first: AuditCheckpoint;
    second: AuditCheckpoint;
  },
): Promise<boolean> {
  const id = randomUUID();
  const run = async (trx: Db) => {
    const fresh = await insertFork(trx, {
      id,
      origin: fork.origin,
      log: fork.log,
      seq: fork.first.seq,
      seen_by: fork.seenBy,
      peer: fork.peer ?? null,
      first_head: Buffer.from(fork.first.headHash, 'hex'),
      second_head: Buffer.from(fork.second.headHash, 'hex'),
      first_checkpoint: JSON.stringify(fork.first),
      second_checkpoint: JSON.stringify(fork.second),
      acknowledged_by: null,
      acknowledged_at: null,
    });
    if (fresh) {
      await recordAudit(trx, {
        actor: 'system',
        action: 'witness.fork',
        target: `fork:${id}`,
        reason: `${fork.log} checkpoint ${fork.first.seq} of ${fork.origin}, seen by the ${fork.seenBy}`,
      });
    }
    return fresh;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export interface ForkView {
  id: string;
  origin: string;
  log: CheckpointLog;
  seq: number;
  seenBy: ForkRow['seen_by'];
  peer: string | null;
  firstHead: string;
  secondHead: string;
  raisedAt: Date;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
}

function presentFork(r: ForkRow): ForkView {
  return {
    id: r.id,
    origin: r.origin,
    log: r.log,
    seq: Number(r.seq),
    seenBy: r.seen_by,
    peer: r.peer,
    firstHead: hex(r.first_head),
    secondHead: hex(r.second_head),
    raisedAt: new Date(r.raised_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
  };
}

/** Forks not yet acknowledged, newest first (the administration page's alarm). */
export async function listOpenForks(ctx: AppContext, actor: Actor): Promise<ForkView[]> {
  requireAllowed(canSeeForks(actor), 'witness.forks');
  return (await listForkRows(ctx.database.db, { open: true })).map(presentFork);
}

/** Every fork, newest first (`sanctuary witness forks`). */
export async function listAllForks(db: Db): Promise<ForkView[]> {
  return (await listForkRows(db, { limit: 1000 })).map(presentFork);
}

/** Acknowledges a fork alarm: it leaves the administration page. Audited; a second time is 404. */
export async function acknowledgeFork(ctx: AppContext, actor: Actor, id: unknown): Promise<void> {
  await acknowledgeAlarm(ctx, actor, id, {
    action: 'witness.fork_acknowledge',
    target: 'fork',
    notFound: 'no such fork',
    acknowledge: acknowledgeForkRow,
  });
}

/** `sanctuary_checkpoint_forks{state}` and `sanctuary_witness_silences{state}` on the health port's /metrics (ADR 0111, 0213). */
export function registerWitnessMetrics(ctx: AppContext): void {
  ctx.metrics.labelledGauge(
    'sanctuary_checkpoint_forks',
    'Forked checkpoints seen (two different signed checkpoints for one log and sequence number), by whether an administrator acknowledged them',
    'state',
    ['unacknowledged', 'acknowledged'],
    async () => {
      const n = await countForks(ctx.database.db);
      return { unacknowledged: n.open, acknowledged: n.acknowledged };
    },
  );
  registerSilenceMetrics(ctx);
}

// ---------------------------------------------------------------------------------------------
// This server as a witness: POST /api/v1/witness/checkpoints

/**
 * Takes one checkpoint from a verified peer: checks who sent it (its federation identity
 * signature, against the key an administrator verified), that it is for us, and the
 * checkpoint's own signature; stores the first copy per (origin, log, seq) with our
 * countersignature, and answers that countersignature again for the same checkpoint. A
 * different checkpoint for a sequence number already witnessed raises the fork alarm (committed
 * before the refusal is thrown) and is refused with the stored copy.
 */
export async function receiveCheckpoint(
  ctx: AppContext,
  body: unknown,
  now: Date = new Date(),
): Promise<Countersignature> {
  const parsed = statementSchema.safeParse(body);
  if (!parsed.success) throw new WitnessRefused('statement_malformed');
  const statement = parsed.data;
  const own = await ownIdentity(ctx);
  if (statement.to !== own.fingerprint) throw new WitnessRefused('wrong_recipient');
  const db = ctx.database.db;
  const peer = await findVerifiedPeer(db, statement.from);
  if (peer === undefined) throw new WitnessRefused('sender_not_verified');
  if (!statementSignatureValid(statement, peer.signingKey)) throw new WitnessRefused('bad_signature');
  const { log, checkpoint } = statement;
  if (!checkpointSignatureValid(log, checkpoint)) throw new WitnessRefused('bad_checkpoint');
  const keyring = ctx.vault.requireKeyring();
  const fresh = countersign(keyring, {
    witness: own.fingerprint,
    origin: peer.fingerprint,
    log,
    checkpoint,
    receivedAt: now,
  });
  const stored = await db.transaction().execute(async (trx) => {
    // Any valid statement is a sign of life from the origin (ADR 0213), a fork too.
    await noteCheckpoint(trx, 'origin', peer.fingerprint, checkpoint.at, now, silenceWindowMs(ctx));
    const inserted = await insertCopy(trx, {
      origin: peer.fingerprint,
      log,
      seq: checkpoint.seq,
      head_hash: Buffer.from(checkpoint.headHash, 'hex'),
      checkpoint: JSON.stringify(checkpoint),
      countersignature: JSON.stringify(fresh),
      received_at: now,
    });
    if (inserted) return undefined;
    const existing = await findCopy(trx, peer.fingerprint, log, checkpoint.seq);
    if (existing === undefined) throw new AppError('conflict', 'witness copy vanished');
    if (hex(existing.head_hash) !== checkpoint.headHash) {
      await raiseFork(trx, {
        origin: peer.fingerprint,
        log,
        seenBy: 'witness',
        first: asCheckpoint(existing.checkpoint),
        second: checkpoint,
      });
    }
    return existing;
  });
  if (stored === undefined) return fresh;
  const storedCounter = JSON.parse(stored.countersignature) as Countersignature;
  if (
    hex(stored.head_hash) === checkpoint.headHash &&
    storedCounter.checkpointSignature !== checkpoint.signature
  ) {
    // The same head signed again (the origin signs its head every 5 minutes, also when no entry
    // was added): no fork, and the copy kept stays the first; the origin gets a countersignature
    // of the checkpoint it sent, which the stored one is not (ADR 0213).
    return fresh;
  }
  if (hex(stored.head_hash) !== checkpoint.headHash) {
    ctx.logger.error({ log, seq: checkpoint.seq, peer: peer.id }, 'a peer sent a forked checkpoint');
    throw new WitnessRefused('checkpoint_fork', {
      stored: asCheckpoint(stored.checkpoint),
      countersignature: storedCounter,
    });
  }
  return storedCounter;
}

/**
 * The copies this server witnessed for one origin and log, each with its countersignature, as
 * JSON Lines that `sanctuary audit verify --witness FILE` (and `ledger verify`) on the origin
 * read: the checkpoint's fields plus `countersignature` (`sanctuary witness export`).
 */
export async function exportCopies(db: Db, origin: string, log: CheckpointLog): Promise<string> {
  const rows = await listCopies(db, origin, log);
  return rows
    .map(
      (r) =>
        `${JSON.stringify({ ...asCheckpoint(r.checkpoint), countersignature: JSON.parse(r.countersignature) })}\n`,
    )
    .join('');
}

// ---------------------------------------------------------------------------------------------
// This server as an origin: pushing checkpoints to its witnesses

/**
 * Queues one push per configured witness peer for a checkpoint just signed (ADR 0175): the job
 * runner delivers and retries them, so the writer never waits for a witness. With no witness
 * peer configured, nothing is queued and nothing is ever called. A failure to queue is logged;
 * the checkpoint stands (the file witness and the local copies still hold it).
 */
export async function queueWitnessPushes(
  ctx: AppContext,
  log: CheckpointLog,
  checkpoint: AuditCheckpoint,
): Promise<number> {
  const witnesses = ctx.config.audit.witnessPeers;
  if (witnesses.length === 0) return 0;
  try {
    await ctx.database.db.transaction().execute(async (trx) => {
      for (const witness of witnesses) {
        await enqueueJob(trx, {
          kind: JOB_WITNESS_PUSH,
          payload: { witness, log, checkpoint: { ...checkpoint } },
          dedupeKey: `${JOB_WITNESS_PUSH}:${witness}:${log}:${checkpoint.seq}`,
          maxAttempts: 60,
        });
      }
    });
    return witnesses.length;
  } catch (error) {
    ctx.logger.error({ err: error, log, seq: checkpoint.seq }, 'witness pushes could not be queued');
    return 0;
  }
}

/** How a statement travels: the federation's HTTP transport (JSON POST, no redirects), or a test's. */
export type WitnessTransport = PacketTransport;
export const httpWitnessTransport: WitnessTransport = httpTransport;

/** A push that retrying cannot change (the witness is not configured or not a verified peer). */
export class PushRefused extends Error {
  override name = 'PushRefused';
}

export type PushOutcome = 'countersigned' | 'fork';

/**
 * Sends one checkpoint to one witness and records what came back: its countersignature (checked
 * against the witness's verified key), or, when the witness holds a different checkpoint for
 * the same sequence number (409 with its stored copy, countersigned), the fork alarm. Throws to
 * be retried when the witness is unreachable, busy, sealed or answers something it should not.
 */
export async function pushCheckpoint(
  ctx: AppContext,
  payload: { witness: string; log: CheckpointLog; checkpoint: AuditCheckpoint },
  transport: WitnessTransport = httpWitnessTransport,
  now: Date = new Date(),
): Promise<PushOutcome> {
  const { witness, log, checkpoint } = payload;
  // Only witnesses the operator configures are ever called, also for pushes queued before a
  // witness was removed from the configuration.
  if (!ctx.config.audit.witnessPeers.includes(witness)) throw new PushRefused('witness no longer configured');
  const db = ctx.database.db;
  const peer = await findVerifiedPeer(db, witness);
  if (peer === undefined) throw new PushRefused('witness is not a verified peer');
  const own = await ownIdentity(ctx);
  const statement = signStatement(ctx.vault.requireKeyring(), {
    from: own.fingerprint,
    to: witness,
    log,
    checkpoint,
  });
  const res = await transport(`${peer.baseUrl}${WITNESS_API_PATH}`, JSON.stringify(statement));
  const expected = { witness: peer, origin: own.fingerprint, log };
  if (res.status === 200 || res.status === 201) {
    const counter = checkCountersignature(
      (res.json as { countersignature?: unknown } | null)?.countersignature,
      {
        ...expected,
        checkpoint,
      },
    );
    if (counter === undefined) throw new Error('the witness answered without a valid countersignature');
    await db.transaction().execute(async (trx) => {
      await upsertReceipt(trx, {
        witness,
        log,
        seq: checkpoint.seq,
        head_hash: Buffer.from(checkpoint.headHash, 'hex'),
        checkpoint: JSON.stringify(checkpoint),
        countersignature: JSON.stringify(counter),
        received_at: now,
      });
      // The witness is alive and holds this checkpoint (ADR 0213).
      await noteCheckpoint(trx, 'witness', witness, checkpoint.at, now, silenceWindowMs(ctx));
    });
    return 'countersigned';
  }
  if (res.status === 409) {
    const body = res.json as {
      error?: { code?: unknown };
      stored?: unknown;
      countersignature?: unknown;
    } | null;
    const stored = checkpointSchema.safeParse(body?.stored);
    if (body?.error?.code !== 'checkpoint_fork' || !stored.success) {
      throw new Error('the witness refused the checkpoint without naming the copy it holds');
    }
    // The witness vouches for its copy with its countersignature: a stranger on the path cannot
    // raise the alarm, and an origin that signed two heads for one seq cannot deny either.
    const counter = checkCountersignature(body.countersignature, { ...expected, checkpoint: stored.data });
    if (counter === undefined || stored.data.seq !== checkpoint.seq) {
      throw new Error('the witness named a copy it did not countersign');
    }
    if (stored.data.headHash === checkpoint.headHash)
      throw new Error('the witness called an identical copy a fork');
    await raiseFork(db, {
      origin: SELF,
      log,
      seenBy: 'origin',
      peer: witness,
      first: stored.data,
      second: checkpoint,
    });
    ctx.logger.error(
      { log, seq: checkpoint.seq },
      'a witness holds a different checkpoint: the log was forked',
    );
    return 'fork';
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
    throw new PushRefused(`the witness refused the checkpoint (${res.status})`);
  }
  throw new Error(`the witness answered ${res.status}`);
}

// ---------------------------------------------------------------------------------------------
// Verification on the origin (`audit verify --witness`, `ledger verify --witness`)

/** A checkpoint as a witness copy may carry it: the checkpoint, and who countersigned it. */
export type WitnessedCheckpoint = AuditCheckpoint & { countersignature?: unknown };

export interface WitnessComparison {
  /** Every checkpoint known, to compare with the chain. */
  checkpoints: AuditCheckpoint[];
  /** Countersignatures checked against a verified witness. */
  countersigned: number;
  /** What is wrong: forks and countersignatures that do not hold. */
  problems: string[];
}

/**
 * Compares every copy of one log's checkpoints this server can see: its own (the caller's
 * list), the countersigned receipts its witnesses returned, and witness copies given to verify
 * (files exported by a witness carry countersignatures). Each countersignature must be a
 * verified peer's over exactly that checkpoint. Two copies with a valid signature and different
 * heads for one sequence number are a fork: the alarm is raised, and the problem named.
 */
export async function compareWithWitnesses(
  ctx: AppContext,
  log: CheckpointLog,
  own: readonly AuditCheckpoint[],
  extra: readonly WitnessedCheckpoint[] = [],
  trustedFingerprints: readonly string[] = [],
): Promise<WitnessComparison> {
  const db = ctx.database.db;
  const problems: string[] = [];
  const receipts = (await listReceipts(db, log)).map(
    (r): WitnessedCheckpoint => ({
      ...asCheckpoint(r.checkpoint),
      countersignature: JSON.parse(r.countersignature),
    }),
  );
  const selfFingerprint = ctx.vault.sealed ? undefined : (await ownIdentity(ctx)).fingerprint;
  const peers = new Map<string, VerifiedPeer | undefined>();
  let countersigned = 0;
  for (const copy of [...receipts, ...extra]) {
    if (copy.countersignature === undefined) continue;
    const claimed = (copy.countersignature as { witness?: unknown; origin?: unknown } | null) ?? {};
    const witness = typeof claimed.witness === 'string' ? claimed.witness : '';
    if (!peers.has(witness)) peers.set(witness, await findVerifiedPeer(db, witness));
    const peer = peers.get(witness);
    const origin = selfFingerprint ?? (typeof claimed.origin === 'string' ? claimed.origin : '');
    const ok =
      peer !== undefined &&
      checkCountersignature(copy.countersignature, { witness: peer, origin, log, checkpoint: copy }) !==
        undefined;
    if (ok) countersigned += 1;
    else
      problems.push(
        `the witness copy of ${log} checkpoint ${copy.seq} carries a countersignature that no verified witness made for this server`,
      );
  }
  const all = [...own, ...receipts, ...extra].map(({ seq, headHash, at, keyId, publicKey, signature }) => ({
    seq,
    headHash,
    at,
    keyId,
    publicKey,
    signature,
  }));
  const bySeq = new Map<number, AuditCheckpoint>();
  for (const c of all) {
    if (!checkpointSignatureValid(log, c)) continue;
    // With the audit key pinned, only this organisation's checkpoints can fork its log; one signed
    // by another key is the chain check's to name (ADR 0085).
    if (trustedFingerprints.length > 0 && !trustedFingerprints.includes(fingerprintAuditKey(c.publicKey)))
      continue;
    const first = bySeq.get(c.seq);
    if (first === undefined) {
      bySeq.set(c.seq, c);
    } else if (first.headHash !== c.headHash) {
      await raiseFork(db, { origin: SELF, log, seenBy: 'verify', first, second: c });
      problems.push(
        `FORK: two different signed ${log} checkpoints for entry ${c.seq} (heads ${first.headHash.slice(0, 16)}… and ${c.headHash.slice(0, 16)}…): the log was rewritten and re-signed`,
      );
    }
  }
  const open = (await listForkRows(db, { open: true })).filter((f) => f.origin === SELF && f.log === log);
  for (const f of open) {
    const named = `entry ${Number(f.seq)}`;
    if (!problems.some((p) => p.includes(named)))
      problems.push(`FORK: an unacknowledged fork alarm for ${log} ${named} (seen by the ${f.seen_by})`);
  }
  return { checkpoints: all, countersigned, problems };
}

export { CHECKPOINT_LOGS, canAcknowledgeForks, canSeeForks };
