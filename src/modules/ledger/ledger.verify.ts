import {
  auditPublicKey,
  fingerprintAuditKey,
  type Keyring,
  signAudit,
  verifyAuditSignature,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { firstUnapprovedDisbursement } from './ledger.approval-rules.ts';
import { eventsOfEntry, hashOfEntry, LEDGER_GENESIS, type LedgerEvent } from './ledger.chain.ts';
import { convertAmount } from './ledger.rates.ts';
import {
  findChainHead,
  insertCheckpoint,
  iterateEntries,
  iterateTransfers,
  type LedgerAccountRow,
  listAccounts,
  listCheckpoints,
  listConversionChecks,
  listCurrencies,
} from './ledger.repository.ts';

/**
 * `sanctuary ledger verify` (DESIGN.md §4): the chain links and hashes, the sequence has no
 * gaps, every event is legal for its transfer (a pending transfer is posted, voided or expired
 * once; nothing else is decided twice), no flagged account ever crossed its limit at any point
 * of the replay, the stored balances and transfer states equal the replay, total debits equal
 * total credits, and every signed checkpoint (by a pinned key, when pinned) still matches the
 * chain. The first problem is named. Every posted disbursement request had its approvals, vetting
 * sign-off and (for a reward) verification (ADR 0120). Every correction mirrors the posted
 * transfer it reverses; none is reversed, and no transfer is reversed twice.
 */
export interface LedgerCheckpoint {
  seq: number;
  headHash: string;
  at: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

export interface LedgerVerification {
  ok: boolean;
  /** Chain entries: an entry holds one event, or a block of several (ADR 0215). */
  entries: number;
  /** Events replayed: transfers opened, posted, voided or expired. */
  events: number;
  transfers: number;
  accounts: number;
  checkpointsChecked: number;
  problem?: string;
}

function checkpointMessage(c: Pick<LedgerCheckpoint, 'seq' | 'headHash' | 'at' | 'keyId'>): Buffer {
  return Buffer.from(`sanctuary-ledger-checkpoint-v1|${c.seq}|${c.headHash}|${c.at}|${c.keyId}`, 'utf8');
}

/** True when a ledger checkpoint's signature is valid for its own public key (a witness's check, ADR 0175). */
export function ledgerCheckpointSignatureValid(c: LedgerCheckpoint): boolean {
  return verifyAuditSignature(c.publicKey, checkpointMessage(c), c.signature);
}

/** Signs the ledger's head with the organisation's audit key (a distinct message prefix). */
export async function createLedgerCheckpoint(
  db: Db,
  keyring: Keyring,
): Promise<LedgerCheckpoint | undefined> {
  const last = await findChainHead(db);
  if (last === undefined) return undefined;
  const unsigned = {
    seq: last.seq,
    headHash: toBuffer(last.hash).toString('hex'),
    at: new Date().toISOString(),
    keyId: keyring.keyId,
  };
  const checkpoint = {
    ...unsigned,
    publicKey: auditPublicKey(keyring),
    signature: signAudit(keyring, checkpointMessage(unsigned)),
  };
  await insertCheckpoint(db, {
    seq: checkpoint.seq,
    head_hash: Buffer.from(checkpoint.headHash, 'hex'),
    at: new Date(checkpoint.at),
    key_id: checkpoint.keyId,
    public_key: checkpoint.publicKey,
    signature: checkpoint.signature,
  });
  return checkpoint;
}

interface Replayed {
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
}

interface TransferState {
  status: 'pending' | 'posted' | 'voided' | 'expired';
  debit: string;
  credit: string;
  amount: number;
  currency: string;
}

const zero = (): Replayed => ({ debitsPending: 0, debitsPosted: 0, creditsPending: 0, creditsPosted: 0 });

function crossed(a: LedgerAccountRow, b: Replayed): boolean {
  if (a.debits_must_not_exceed_credits)
    return b.debitsPosted + b.debitsPending > b.creditsPosted + a.limit_minor;
  if (a.credits_must_not_exceed_debits)
    return b.creditsPosted + b.creditsPending > b.debitsPosted + a.limit_minor;
  return false;
}

export async function verifyLedger(
  db: Db,
  options: { checkpoints?: readonly LedgerCheckpoint[]; trustedFingerprints?: readonly string[] } = {},
): Promise<LedgerVerification> {
  const accounts = new Map((await listAccounts(db)).map((a) => [a.id, a]));
  const balances = new Map<string, Replayed>();
  const transfers = new Map<string, TransferState>();
  const stored = [...(await listCheckpoints(db))].map((c) => ({
    seq: c.seq,
    headHash: toBuffer(c.head_hash).toString('hex'),
    at: c.at.toISOString(),
    keyId: c.key_id,
    publicKey: c.public_key,
    signature: c.signature,
  }));
  const checkpoints = [...stored, ...(options.checkpoints ?? [])];
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const heads = new Map<number, string>();
  let seq = 0;
  let events = 0;
  let prev: Buffer = LEDGER_GENESIS;
  const result = (problem?: string): LedgerVerification => ({
    ok: problem === undefined,
    entries: seq,
    events,
    transfers: transfers.size,
    accounts: accounts.size,
    checkpointsChecked: 0,
    ...(problem === undefined ? {} : { problem }),
  });

  /**
   * Replays one event on the balances and transfer states; the problem it shows, if any, for
   * the caller to name with the entry (built only then: a million entries verify).
   */
  const replay = (e: LedgerEvent): string | undefined => {
    const debit = accounts.get(e.debit_account_id);
    const credit = accounts.get(e.credit_account_id);
    if (debit === undefined || credit === undefined) return `names an account that does not exist`;
    if (debit.currency !== e.currency || credit.currency !== e.currency) {
      return `moves ${e.currency} between accounts of another currency`;
    }
    const d = balances.get(debit.id) ?? zero();
    const c = balances.get(credit.id) ?? zero();
    balances.set(debit.id, d);
    balances.set(credit.id, c);
    const state = transfers.get(e.transfer_id);
    if (e.event === 'pending' || e.event === 'posted_direct') {
      if (state !== undefined) return `opens transfer ${e.transfer_id} a second time`;
      const pending = e.event === 'pending';
      transfers.set(e.transfer_id, {
        status: pending ? 'pending' : 'posted',
        debit: debit.id,
        credit: credit.id,
        amount: e.amount,
        currency: e.currency,
      });
      if (pending) {
        d.debitsPending += e.amount;
        c.creditsPending += e.amount;
      } else {
        d.debitsPosted += e.amount;
        c.creditsPosted += e.amount;
      }
    } else {
      if (state === undefined) return `decides transfer ${e.transfer_id}, which was never opened`;
      if (state.status !== 'pending') {
        return `decides transfer ${e.transfer_id} again (it was already ${state.status})`;
      }
      if (state.debit !== debit.id || state.credit !== credit.id || state.amount !== e.amount) {
        return `decides transfer ${e.transfer_id} with other accounts or another amount`;
      }
      d.debitsPending -= e.amount;
      c.creditsPending -= e.amount;
      if (e.event === 'posted') {
        d.debitsPosted += e.amount;
        c.creditsPosted += e.amount;
      }
      state.status = e.event;
    }
    for (const [account, b] of [
      [debit, d],
      [credit, c],
    ] as const) {
      if (crossed(account, b)) return `takes account ${account.code} beyond its limit`;
    }
    return undefined;
  };

  for await (const e of iterateEntries(db)) {
    const expected = seq + 1;
    if (e.seq !== expected) {
      return result(
        e.seq > expected
          ? `entry ${expected}${e.seq - 1 > expected ? `..${e.seq - 1}` : ''} was deleted (the next entry is ${e.seq})`
          : `entry ${e.seq} appears out of order`,
      );
    }
    if (!toBuffer(e.prev_hash).equals(prev))
      return result(`entry ${e.seq} does not link to the entry before it`);
    const hash = hashOfEntry(prev, e);
    if (!toBuffer(e.hash).equals(hash)) return result(`entry ${e.seq} was altered (its hash does not match)`);
    prev = hash;
    seq = e.seq;
    if (wanted.has(e.seq)) heads.set(e.seq, hash.toString('hex'));
    if (e.events === null) {
      events += 1;
      const problem = replay(e as LedgerEvent);
      if (problem !== undefined) return result(`entry ${e.seq} ${problem}`);
      continue;
    }
    const recorded = eventsOfEntry(e);
    if (recorded === undefined) return result(`entry ${e.seq} holds a malformed block of events`);
    for (let i = 0; i < recorded.length; i += 1) {
      events += 1;
      const problem = replay(recorded[i]!);
      if (problem !== undefined) {
        return result(`entry ${e.seq} (event ${i + 1} of ${recorded.length}) ${problem}`);
      }
    }
  }

  // The caches against the replay: every account's balances, every transfer's state.
  let debitsPosted = 0;
  let creditsPosted = 0;
  for (const a of accounts.values()) {
    const b = balances.get(a.id) ?? zero();
    if (
      a.debits_pending !== b.debitsPending ||
      a.debits_posted !== b.debitsPosted ||
      a.credits_pending !== b.creditsPending ||
      a.credits_posted !== b.creditsPosted
    ) {
      return result(`account ${a.code}: its stored balance differs from the sum of its entries`);
    }
    debitsPosted += a.debits_posted;
    creditsPosted += a.credits_posted;
  }
  if (debitsPosted !== creditsPosted)
    return result(`total debits (${debitsPosted}) differ from total credits (${creditsPosted})`);
  let transferRows = 0;
  const corrections: Array<{ id: string; reverses: string }> = [];
  for await (const t of iterateTransfers(db)) {
    transferRows += 1;
    if (t.reverses_id !== null) corrections.push({ id: t.id, reverses: t.reverses_id });
    const state = transfers.get(t.id);
    if (state === undefined) return result(`transfer ${t.id} has no entries in the chain`);
    if (
      state.status !== t.status ||
      state.amount !== t.amount ||
      state.debit !== t.debit_account_id ||
      state.credit !== t.credit_account_id ||
      state.currency !== t.currency
    ) {
      return result(`transfer ${t.id} differs from its entries (stored ${t.status}, chain ${state.status})`);
    }
  }
  if (transferRows !== transfers.size)
    return result(`${transfers.size - transferRows} transfers in the chain have no row`);

  // Corrections (ADR 0214, 0216): each reverses a transfer of the chain, posted, with the same
  // amount between the same accounts the other way; a transfer is reversed at most once and a
  // correction never.
  const correctionIds = new Set(corrections.map((c) => c.id));
  const reversedBy = new Map<string, string>();
  for (const c of corrections) {
    const original = transfers.get(c.reverses);
    const own = transfers.get(c.id)!;
    if (original === undefined)
      return result(`correction ${c.id} reverses transfer ${c.reverses}, which does not exist`);
    if (
      original.status !== 'posted' ||
      own.debit !== original.credit ||
      own.credit !== original.debit ||
      own.amount !== original.amount ||
      own.currency !== original.currency
    ) {
      return result(`correction ${c.id} does not mirror the posted transfer ${c.reverses} it reverses`);
    }
    if (correctionIds.has(c.reverses)) return result(`correction ${c.id} reverses correction ${c.reverses}`);
    const earlier = reversedBy.get(c.reverses);
    if (earlier !== undefined) {
      return result(`transfer ${c.reverses} is reversed twice (by ${earlier} and ${c.id})`);
    }
    reversedBy.set(c.reverses, c.id);
  }

  // Every posted disbursement request had its approvals, sign-off and verification (ADR 0120).
  const unapproved = await firstUnapprovedDisbursement(db, transfers);
  if (unapproved !== undefined) return result(unapproved);

  // Conversions: both legs in the rate's currencies, the target amount exactly the stored rate's.
  const minor = new Map((await listCurrencies(db)).map((c) => [c.code, c.minor_units]));
  for (const c of await listConversionChecks(db)) {
    const expected =
      c.out_currency === c.from_currency && c.in_currency === c.to_currency
        ? convertAmount(c.out_amount, c.rate, minor.get(c.from_currency) ?? 2, minor.get(c.to_currency) ?? 2)
        : undefined;
    if (expected !== c.in_amount) return result(`conversion ${c.id} does not match its stored rate`);
  }

  // Checkpoints: a pinned key signed each; each still matches the chain; none lies beyond its end.
  const trusted = new Set(options.trustedFingerprints ?? []);
  let checked = 0;
  for (const c of checkpoints.sort((a, b) => a.seq - b.seq)) {
    if (trusted.size > 0) {
      const fingerprint = /^[0-9a-f]{64}$/.test(c.publicKey) ? fingerprintAuditKey(c.publicKey) : '(none)';
      if (!trusted.has(fingerprint)) {
        return {
          ...result(`checkpoint at entry ${c.seq} is signed by key ${fingerprint}, not by the pinned key`),
          checkpointsChecked: checked,
        };
      }
    }
    if (!verifyAuditSignature(c.publicKey, checkpointMessage(c), c.signature)) {
      return {
        ...result(`checkpoint at entry ${c.seq} has an invalid signature`),
        checkpointsChecked: checked,
      };
    }
    if (c.seq > seq) {
      return {
        ...result(
          `entries ${seq + 1}..${c.seq} were deleted: a signed checkpoint of ${c.at} saw ${c.seq} entries`,
        ),
        checkpointsChecked: checked,
      };
    }
    if (heads.get(c.seq) !== c.headHash) {
      return {
        ...result(`entry ${c.seq} differs from the signed checkpoint of ${c.at} (the chain was rewritten)`),
        checkpointsChecked: checked,
      };
    }
    checked += 1;
  }
  return { ...result(), checkpointsChecked: checked };
}

/** Signs a new checkpoint only when the ledger moved since the last one (the server's timer calls this). */
export async function checkpointLedgerIfMoved(
  db: Db,
  keyring: Keyring,
): Promise<LedgerCheckpoint | undefined> {
  const [last, checkpoints] = await Promise.all([findChainHead(db), listCheckpoints(db)]);
  if (last === undefined) return undefined;
  if (checkpoints.length > 0 && checkpoints[checkpoints.length - 1]!.seq >= last.seq) return undefined;
  return createLedgerCheckpoint(db, keyring);
}
