import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  auditPublicKey,
  fingerprintAuditKey,
  type Keyring,
  sha256,
  signAudit,
  verifyAuditSignature,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { AuditLogTable } from '../../db/types.ts';
import type { AuditAction } from './audit-actions.ts';
import {
  findLastAuditEntry,
  insertAuditCheckpoint,
  insertAuditEntries,
  iterateAuditEntries,
  listAuditCheckpoints,
  lockAuditChain,
} from './audit.repository.ts';

/**
 * The append-only, hash-chained audit log.
 *
 * Entry n stores hash_n = SHA-256(hash_{n-1} || canonical(n)), with hash_0 = 32 zero bytes
 * and seq counting 1, 2, 3… without gaps. Editing, deleting or reordering rows breaks the
 * chain or the sequence; cutting off the tail is caught by comparing with a signed
 * checkpoint (Ed25519) kept outside the database: exported to witnesses, and appended to
 * `<dataDir>/audit/checkpoints.jsonl`.
 *
 * Entries never hold personal data: actors are staff ids or fixed words ("cli",
 * "key-holder", "applicant"), targets are ids or case references, reasons are free text
 * written by staff about the act (staff are told not to put names in them).
 */
export interface AuditEvent {
  /** Staff id, or a fixed word: 'system', 'cli', 'key-holder', 'anonymous', 'applicant', 'partner:<id>'. */
  actor: string;
  /**
   * Dotted verb, e.g. 'auth.sign_in', 'staff.disable', 'server.unseal': only the actions named
   * in `audit-actions.ts`, so every entry the code writes has a readable name (ADR 0208).
   */
  action: AuditAction;
  target?: string | null;
  reason?: string | null;
}

const GENESIS: Buffer = Buffer.alloc(32);
const MAX_TEXT = 500;

function canonical(e: Pick<AuditLogTable, 'seq' | 'at' | 'actor' | 'action' | 'target' | 'reason'>): string {
  return JSON.stringify([e.seq, e.at.toISOString(), e.actor, e.action, e.target, e.reason]);
}

export function hashAuditEntry(
  prevHash: Buffer,
  e: Pick<AuditLogTable, 'seq' | 'at' | 'actor' | 'action' | 'target' | 'reason'>,
): Buffer {
  return sha256(Buffer.concat([prevHash, Buffer.from(canonical(e), 'utf8')]));
}

/**
 * Appends one entry inside the caller's transaction, so the entry exists exactly when
 * the act it records was committed. Given no transaction, it opens its own (see below).
 */
export async function recordAudit(trx: Db, event: AuditEvent): Promise<void> {
  await recordAuditBatch(trx, [event]);
}

/**
 * Appends several entries, in order, with one lock, one read of the head and one insert
 * (the intake group commit audits a whole batch of submissions this way).
 */
export async function recordAuditBatch(trx: Db, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  // The chain lock is transaction-scoped: outside a transaction it would be released as soon
  // as it was taken, and two concurrent appends would read the same head (a duplicate seq).
  if (!trx.isTransaction) {
    await trx.transaction().execute((own) => recordAuditBatch(own, events));
    return;
  }
  await lockAuditChain(trx);
  const last = await findLastAuditEntry(trx);
  let seq = last?.seq ?? 0;
  let prevHash = last === undefined ? GENESIS : toBuffer(last.hash);
  const at = new Date();
  const rows = events.map((event) => {
    seq += 1;
    const entry = {
      seq,
      at,
      actor: event.actor.slice(0, 100),
      action: event.action.slice(0, 100),
      target: event.target?.slice(0, 200) ?? null,
      reason: event.reason?.slice(0, MAX_TEXT) ?? null,
    };
    const hash = hashAuditEntry(prevHash, entry);
    const row = { ...entry, prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  await insertAuditEntries(trx, rows);
}

export interface AuditCheckpoint {
  seq: number;
  headHash: string;
  at: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

function checkpointMessage(c: Pick<AuditCheckpoint, 'seq' | 'headHash' | 'at' | 'keyId'>): Buffer {
  return Buffer.from(`sanctuary-audit-checkpoint-v1|${c.seq}|${c.headHash}|${c.at}|${c.keyId}`, 'utf8');
}

/** True when an audit checkpoint's signature is valid for its own public key (a witness's check, ADR 0175). */
export function auditCheckpointSignatureValid(c: AuditCheckpoint): boolean {
  return verifyAuditSignature(c.publicKey, checkpointMessage(c), c.signature);
}

/** A record of another hash chain (evidence custody) signed with the audit key. */
export interface SignedRecord {
  keyId: string;
  publicKey: string;
  signature: string;
}

function recordMessage(domain: string, parts: readonly (string | number)[]): Buffer {
  return Buffer.from(JSON.stringify([`sanctuary-${domain}-v1`, ...parts]), 'utf8');
}

/**
 * Signs one record of another module's hash chain with the audit key, exactly as checkpoints
 * are signed (Ed25519, key from the unsealed keyring), under a domain of its own so a
 * signature made for one kind of record never verifies as another (ADR 0135).
 */
export function signAuditRecord(
  keyring: Keyring,
  domain: string,
  parts: readonly (string | number)[],
): SignedRecord {
  return {
    keyId: keyring.keyId,
    publicKey: auditPublicKey(keyring),
    signature: signAudit(keyring, recordMessage(domain, parts)),
  };
}

/**
 * Checks a record signed by `signAuditRecord`: the signature, and (when audit keys are pinned)
 * that a pinned key made it. Returns what is wrong, or undefined.
 */
export function checkAuditRecord(
  record: Pick<SignedRecord, 'publicKey' | 'signature'>,
  domain: string,
  parts: readonly (string | number)[],
  trustedFingerprints: readonly string[] = [],
): string | undefined {
  if (trustedFingerprints.length > 0) {
    const fingerprint = /^[0-9a-f]{64}$/.test(record.publicKey)
      ? fingerprintAuditKey(record.publicKey)
      : '(none)';
    if (!trustedFingerprints.includes(fingerprint))
      return `signed by key ${fingerprint}, not by the pinned audit key`;
  }
  if (!verifyAuditSignature(record.publicKey, recordMessage(domain, parts), record.signature)) {
    return 'its signature is invalid';
  }
  return undefined;
}

/** Signs the current head. Needs the unsealed keyring. Returns undefined for an empty log. */
export async function createAuditCheckpoint(db: Db, keyring: Keyring): Promise<AuditCheckpoint | undefined> {
  const last = await findLastAuditEntry(db);
  if (last === undefined) return undefined;
  const unsigned = {
    seq: last.seq,
    headHash: toBuffer(last.hash).toString('hex'),
    at: new Date().toISOString(),
    keyId: keyring.keyId,
  };
  const checkpoint: AuditCheckpoint = {
    ...unsigned,
    publicKey: auditPublicKey(keyring),
    signature: signAudit(keyring, checkpointMessage(unsigned)),
  };
  await insertAuditCheckpoint(db, {
    seq: checkpoint.seq,
    head_hash: Buffer.from(checkpoint.headHash, 'hex'),
    at: new Date(checkpoint.at),
    key_id: checkpoint.keyId,
    public_key: checkpoint.publicKey,
    signature: checkpoint.signature,
  });
  return checkpoint;
}

/** Appends a checkpoint to a JSON Lines file (the local witness, or an export). */
export async function appendCheckpointFile(path: string, checkpoint: AuditCheckpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

export async function readCheckpointFile(path: string): Promise<AuditCheckpoint[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditCheckpoint);
}

export async function listStoredCheckpoints(db: Db): Promise<AuditCheckpoint[]> {
  return (await listAuditCheckpoints(db)).map((c) => ({
    seq: c.seq,
    headHash: toBuffer(c.head_hash).toString('hex'),
    at: c.at.toISOString(),
    keyId: c.key_id,
    publicKey: c.public_key,
    signature: c.signature,
  }));
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  checkpointsChecked: number;
  /** The first entry that is wrong or missing, and what is wrong with it. */
  firstBad?: { seq: number; problem: string };
}

export interface AuditVerifyOptions {
  /**
   * Fingerprints of the audit keys this organisation signs with (ADR 0085). When given, a
   * checkpoint signed by any other key is an intruder's, however valid its signature: the
   * public key a checkpoint carries proves nothing by itself, since whoever wrote the
   * checkpoint chose it.
   */
  trustedFingerprints?: readonly string[];
}

/** "entries 5..22 were deleted" or "entry 5 was deleted". */
function deletedRange(from: number, to: number): string {
  return from === to ? `entry ${from} was deleted` : `entries ${from}..${to} were deleted`;
}

/**
 * Walks the chain from the genesis and checks every link, then every checkpoint: that a
 * pinned key signed it (when keys are pinned), its signature, and that the log still holds
 * its seq with the same hash. A deletion is reported as one: a gap in the sequence names the
 * missing entries; against a checkpoint, the entries the checkpoint saw up to its time that
 * the log no longer holds are counted (this also catches a log that was re-chained after the
 * deletion, whose links are all consistent again).
 */
export async function verifyAuditChain(
  db: Db,
  checkpoints: readonly AuditCheckpoint[] = [],
  options: AuditVerifyOptions = {},
): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash: Buffer = GENESIS;
  const headAt = new Map<number, string>();
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const times: number[] = [];
  for await (const row of iterateAuditEntries(db)) {
    const fail = (problem: string): AuditVerification => ({
      ok: false,
      entries: expectedSeq - 1,
      checkpointsChecked: 0,
      firstBad: { seq: expectedSeq, problem },
    });
    if (row.seq !== expectedSeq) {
      return row.seq > expectedSeq
        ? fail(`${deletedRange(expectedSeq, row.seq - 1)} (the next entry is ${row.seq})`)
        : fail(`entry ${row.seq} appears out of order`);
    }
    if (!toBuffer(row.prev_hash).equals(prevHash))
      return fail(`entry ${row.seq} does not link to the entry before it`);
    const computed = hashAuditEntry(prevHash, row);
    if (!toBuffer(row.hash).equals(computed))
      return fail(`entry ${row.seq} was altered (its hash does not match)`);
    if (wanted.has(row.seq)) headAt.set(row.seq, computed.toString('hex'));
    times.push(row.at.getTime());
    prevHash = computed;
    expectedSeq += 1;
  }
  const entries = expectedSeq - 1;
  const trusted = new Set(options.trustedFingerprints ?? []);
  // Entries recorded at or before a time, counted over a sorted copy (a forged log need not
  // be in time order).
  const sorted = Float64Array.from(times).sort();
  const entriesUntil = (at: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let checked = 0;
  const broken = (seq: number, problem: string): AuditVerification => ({
    ok: false,
    entries,
    checkpointsChecked: checked,
    firstBad: { seq, problem },
  });
  for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    if (trusted.size > 0) {
      const fingerprint = /^[0-9a-f]{64}$/.test(c.publicKey) ? fingerprintAuditKey(c.publicKey) : '(none)';
      if (!trusted.has(fingerprint)) {
        return broken(
          c.seq,
          `checkpoint at entry ${c.seq} is signed by audit key ${fingerprint}, not by the pinned key ${[...trusted].join(' or ')}: it was not written by this organisation (key fingerprint mismatch)`,
        );
      }
    }
    const message = checkpointMessage(c);
    if (!verifyAuditSignature(c.publicKey, message, c.signature)) {
      return broken(c.seq, `checkpoint at entry ${c.seq} has an invalid signature`);
    }
    const head = headAt.get(c.seq);
    if (head !== c.headHash) {
      const at = Date.parse(c.at);
      const kept = Number.isNaN(at) ? entries : Math.min(entries, entriesUntil(at));
      if (kept < c.seq) {
        return broken(
          kept + 1,
          `${c.seq - kept} entries were deleted: a signed checkpoint of ${c.at} saw ${c.seq} entries, the log now holds ${kept} up to that time${head === undefined && kept === entries ? ` (entries ${entries + 1}..${c.seq} were removed)` : ' and was re-chained to hide it'}`,
        );
      }
      return broken(
        c.seq,
        `entry ${c.seq} differs from the signed checkpoint of ${c.at} (entries up to it were altered and re-chained)`,
      );
    }
    checked += 1;
  }
  return { ok: true, entries, checkpointsChecked: checked };
}

/**
 * Audit counts other modules need (sign-in alerts, PDF quotas, the admin page's total): read
 * through this module, which owns the table. Each takes the caller's transaction or database.
 */
export {
  countAuditActionsByActor,
  countAuditActionsByTarget,
  countAuditEntries,
  findAuditEntriesForTarget,
  listAuditEntriesSince,
} from './audit.repository.ts';
