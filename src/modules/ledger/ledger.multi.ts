import { z } from 'zod';
import { type Actor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type AppError, type ErrorCode, isAppError } from '../../platform/errors.ts';
import { type LedgerJob, MAX_REQUEST_ITEMS, runLedgerBatch } from './ledger.group-commit.ts';
import { canKeepLedger } from './ledger.policy.ts';
import { transferIdSchema, transferSchema } from './ledger.schemas.ts';
import { createJob, decideJob, expiredRefused, parse } from './ledger.service.ts';
import type { LedgerTransfer } from './ledger.transfer-rules.ts';

/**
 * Multi-transfer requests (ADR 0202, after TigerBeetle's batched `create_transfers`): many
 * transfers, posts or voids in one request, committed as one batch of the ledger's group
 * commit (one transaction, a handful of statements whatever its size, ADR 0167). Each item is
 * exactly what a single request would be: it carries its own id and is idempotent (the same id
 * and body answers the stored transfer; the same id with another body is refused for that item
 * with `idempotency_conflict`), and is checked against the limits, a disbursement request's
 * approvals, sign-off and vetting hold, and the expiry, on the balances as the items before it
 * left them. A refused item changes nothing and is answered its error; the others commit.
 * The answers are in the request's order.
 */
export type ItemOutcome =
  | { id: string; ok: true; transfer: LedgerTransfer }
  | { id: string; ok: false; code: ErrorCode; fields?: Record<string, string> };

const itemsSchema = z.object({ transfers: z.array(z.unknown()).min(1).max(MAX_REQUEST_ITEMS) });
const idsSchema = z.object({ transferIds: z.array(z.unknown()).min(1).max(MAX_REQUEST_ITEMS) });

function idOf(item: unknown, key: 'id' | 'transferId'): string {
  const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : item;
  return typeof id === 'string' ? id.slice(0, 100) : '';
}

function refusal(id: string, error: unknown): ItemOutcome {
  if (isAppError(error)) {
    return {
      id,
      ok: false,
      code: error.code,
      ...(error.fields === undefined ? {} : { fields: error.fields }),
    };
  }
  // Not a refusal of the item (a database failure under its savepoint): nothing of it was written; try again.
  return { id, ok: false, code: 'unavailable' };
}

/** Runs the parsed items' jobs as one batch; items that did not parse are answered their error. */
async function runItems(
  ctx: AppContext,
  items: ReadonlyArray<{ id: string; job: LedgerJob } | { id: string; error: AppError }>,
): Promise<ItemOutcome[]> {
  const jobs = items.flatMap((i) => ('job' in i ? [i.job] : []));
  const results = await runLedgerBatch(ctx, jobs);
  let next = 0;
  return items.map((item) => {
    if ('error' in item) return refusal(item.id, item.error);
    const result = results[next++];
    if (result instanceof Error) return refusal(item.id, result);
    try {
      return { id: item.id, ok: true, transfer: expiredRefused(result) as LedgerTransfer };
    } catch (error) {
      return refusal(item.id, error);
    }
  });
}

/**
 * Records many transfers (each posted at once, or pending when it has `pendingSeconds`) in one
 * request: `{ transfers: [TransferInput, …] }`, at most MAX_REQUEST_ITEMS.
 */
export async function createTransfers(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { now?: Date } = {},
): Promise<ItemOutcome[]> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer');
  const { transfers } = parse(itemsSchema, input);
  const now = options.now ?? new Date();
  return runItems(
    ctx,
    transfers.map((item) => {
      const id = idOf(item, 'id');
      try {
        return { id, job: createJob(actor, parse(transferSchema, item), now) };
      } catch (error) {
        return { id, error: error as AppError };
      }
    }),
  );
}

async function decideMany(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  to: 'posted' | 'voided',
  options: { now?: Date },
): Promise<ItemOutcome[]> {
  requireAllowed(canKeepLedger(actor), `ledger.transfer_${to}`);
  const { transferIds } = parse(idsSchema, input);
  const now = options.now ?? new Date();
  return runItems(
    ctx,
    transferIds.map((raw) => {
      const id = idOf(raw, 'transferId');
      try {
        const { transferId } = parse(transferIdSchema, { transferId: raw });
        return { id, job: decideJob(actor, transferId, to, now) };
      } catch (error) {
        return { id, error: error as AppError };
      }
    }),
  );
}

/** Posts many pending transfers in one request: `{ transferIds: [uuid, …] }`. */
export function postTransfers(ctx: AppContext, actor: Actor, input: unknown, options: { now?: Date } = {}) {
  return decideMany(ctx, actor, input, 'posted', options);
}

/** Voids many pending transfers in one request: `{ transferIds: [uuid, …] }`. */
export function voidTransfers(ctx: AppContext, actor: Actor, input: unknown, options: { now?: Date } = {}) {
  return decideMany(ctx, actor, input, 'voided', options);
}
