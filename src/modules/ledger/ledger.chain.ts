import { type RawBuilder, sql } from 'kysely';
import { sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { LedgerEntryEvent } from '../../db/types.ts';
import {
  findChainHead,
  insertBlock,
  insertEntries,
  type LedgerEntryRow,
  lockLedgerChain,
} from './ledger.repository.ts';

/**
 * The ledger's hash chain, built like the audit log's (ADR 0086, 0119): entry n stores
 * hash_n = SHA-256(hash_{n-1} || canonical(n)), hash_0 = 32 zero bytes, seq 1, 2, 3… without
 * gaps. The entries are the ledger's truth: balances and transfer states are caches of them
 * that `sanctuary ledger verify` recomputes.
 *
 * An entry records one event (a transfer opened, posted, voided or expired) in its own columns,
 * or, when one write under the lock records several, all of them as a block (ADR 0215): the
 * exact text of a JSON array of event tuples, which its hash covers with the entry's seq and
 * time. A block is written and hashed once, however many events it holds.
 */
export const LEDGER_GENESIS: Buffer = Buffer.alloc(32);

/** One event of the chain, as the verifier replays it. */
export interface LedgerEvent {
  transfer_id: string;
  event: LedgerEntryEvent;
  debit_account_id: string;
  credit_account_id: string;
  amount: number;
  currency: string;
  actor: string;
}

/** The fields of an entry of one event, as hashed. */
export type EntryFields = LedgerEvent & { seq: number; at: Date };

/** An event tuple in a block: [at, transfer, event, debit, credit, amount, currency, actor]. */
type EventTuple = [string, string, LedgerEntryEvent, string, string, number, string, string];

function tupleOf(e: LedgerEvent & { at: Date }): EventTuple {
  return [
    e.at.toISOString(),
    e.transfer_id,
    e.event,
    e.debit_account_id,
    e.credit_account_id,
    e.amount,
    e.currency,
    e.actor,
  ];
}

/** An entry of one event: its seq, then the event's tuple. */
function canonical(e: EntryFields): string {
  return JSON.stringify([e.seq, ...tupleOf(e)]);
}

export function hashLedgerEntry(prevHash: Buffer, e: EntryFields): Buffer {
  return sha256(Buffer.concat([prevHash, Buffer.from(canonical(e), 'utf8')]));
}

/** The text of a block: its events as tuples, in the order they happened. */
export function blockText(events: ReadonlyArray<LedgerEvent & { at: Date }>): string {
  return JSON.stringify(events.map(tupleOf));
}

/**
 * A block's hash. The prefix keeps it apart from an entry of one event, whose canonical text
 * starts with "[".
 */
export function hashLedgerBlock(prevHash: Buffer, seq: number, at: Date, text: string): Buffer {
  return sha256(
    Buffer.concat([prevHash, Buffer.from(`${BLOCK_PREFIX}|${seq}|${at.toISOString()}|${text}`, 'utf8')]),
  );
}

const BLOCK_PREFIX = 'sanctuary-ledger-block-v1';

/** A block ready to be written: its time and the text of its events. */
export interface Block {
  at: Date;
  text: string;
}

/** The block of a batch's events (at least one), timed by its last event. */
export function blockOf(entries: readonly { input: EntryInput; at: Date }[]): Block {
  return { at: entries[entries.length - 1]!.at, text: blockText(entries.map(eventOf)) };
}

/**
 * A CTE named `block` that appends a block at the chain's head, for a statement run under the
 * chain lock: PostgreSQL reads the head and computes the hash in that statement, exactly as
 * hashLedgerBlock does (the statement's snapshot is taken after the lock was granted).
 */
export function blockInsertCte(block: Block): RawBuilder<unknown> {
  return sql`block_input as (
      select ${block.text}::text as text, ${block.at.toISOString()}::text as at_iso
    ), head as (
      select coalesce((select seq from ledger_entries order by seq desc limit 1), 0) + 1 as seq,
        coalesce((select hash from ledger_entries order by seq desc limit 1), ${LEDGER_GENESIS}::bytea) as prev
    ), block as (
      insert into ledger_entries (seq, at, events, prev_hash, hash)
      select head.seq, b.at_iso::timestamptz, b.text, head.prev,
        sha256(head.prev || convert_to(${`${BLOCK_PREFIX}|`}::text || head.seq::text || '|' || b.at_iso || '|' || b.text, 'UTF8'))
      from head, block_input b
      returning 1
    )`;
}

/** An entry's own hash, recomputed from what it stores (either shape). */
export function hashOfEntry(prevHash: Buffer, row: LedgerEntryRow): Buffer {
  if (row.events !== null) return hashLedgerBlock(prevHash, row.seq, row.at, row.events);
  return hashLedgerEntry(prevHash, row as EntryFields);
}

const EVENTS = new Set<string>(['pending', 'posted', 'voided', 'expired', 'posted_direct']);
const isText = (x: unknown, max: number): x is string => typeof x === 'string' && x.length <= max;

/**
 * The events an entry records, in order, or undefined when its block is not a list of
 * well-formed event tuples (only a forger who also rewrote the chain gets that far).
 */
export function eventsOfEntry(row: LedgerEntryRow): LedgerEvent[] | undefined {
  if (row.events === null) return [row as LedgerEvent];
  let tuples: unknown;
  try {
    tuples = JSON.parse(row.events);
  } catch {
    return undefined;
  }
  if (!Array.isArray(tuples) || tuples.length === 0) return undefined;
  const events: LedgerEvent[] = [];
  for (const t of tuples) {
    if (
      !Array.isArray(t) ||
      t.length !== 8 ||
      !isText(t[0], 40) ||
      !isText(t[1], 36) ||
      !EVENTS.has(t[2]) ||
      !isText(t[3], 36) ||
      !isText(t[4], 36) ||
      !Number.isSafeInteger(t[5]) ||
      t[5] <= 0 ||
      !isText(t[6], 3) ||
      !isText(t[7], 100)
    ) {
      return undefined;
    }
    events.push({
      transfer_id: t[1],
      event: t[2],
      debit_account_id: t[3],
      credit_account_id: t[4],
      amount: t[5],
      currency: t[6],
      actor: t[7],
    });
  }
  return events;
}

function eventOf({ input, at }: { input: EntryInput; at: Date }): LedgerEvent & { at: Date } {
  return {
    at,
    transfer_id: input.transferId,
    event: input.event,
    debit_account_id: input.debitAccountId,
    credit_account_id: input.creditAccountId,
    amount: input.amount,
    currency: input.currency,
    actor: input.actor.slice(0, 100),
  };
}

export interface EntryInput {
  transferId: string;
  event: LedgerEntryEvent;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  currency: string;
  actor: string;
}

/**
 * Entries a group commit collects (ADR 0126): while a transaction has a list here, its appends
 * go to the list, and the batch writes them with one read of the head and one insert.
 */
const deferred = new WeakMap<Db, Array<{ input: EntryInput; at: Date }>>();

/** From now on, appends in `trx` go to `list` (until `stopDeferring`). */
export function deferLedgerEntries(trx: Db, list: Array<{ input: EntryInput; at: Date }>): void {
  deferred.set(trx, list);
}

export function stopDeferring(trx: Db): void {
  deferred.delete(trx);
}

/** Appends one entry inside the caller's transaction (which must be one: the lock is transaction-scoped). */
export async function appendLedgerEntry(trx: Db, input: EntryInput, at: Date): Promise<void> {
  if (!trx.isTransaction) throw new Error('appendLedgerEntry needs a transaction');
  const list = deferred.get(trx);
  if (list !== undefined) {
    list.push({ input, at });
    return;
  }
  await appendLedgerEntries(trx, [{ input, at }]);
}

/**
 * Appends entries, in order, under the chain lock: one read of the head, one insert. Several
 * events are one entry, a block (ADR 0215); one event is an entry of its own.
 */
export async function appendLedgerEntries(
  trx: Db,
  entries: readonly { input: EntryInput; at: Date }[],
  options: { chainLocked?: boolean } = {},
): Promise<void> {
  if (entries.length === 0) return;
  if (options.chainLocked !== true) await lockLedgerChain(trx);
  const last = await findChainHead(trx);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last === undefined ? LEDGER_GENESIS : toBuffer(last.hash);
  const events = entries.map(eventOf);
  if (events.length === 1) {
    const fields: EntryFields = { seq, ...events[0]! };
    await insertEntries(trx, [
      { ...fields, prev_hash: prevHash, hash: hashLedgerEntry(prevHash, fields), events: null },
    ]);
    return;
  }
  const at = events[events.length - 1]!.at;
  const text = blockText(events);
  await insertBlock(trx, {
    seq,
    at,
    events: text,
    prev_hash: prevHash,
    hash: hashLedgerBlock(prevHash, seq, at, text),
  });
}
