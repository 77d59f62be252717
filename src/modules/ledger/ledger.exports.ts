import { stringify } from 'csv-stringify/sync';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type AuditAction, recordAudit } from '../audit/index.ts';
import { canKeepLedger } from './ledger.policy.ts';
import {
  iterateTransfers,
  type LedgerAccountRow,
  listAccounts,
  listCurrencies,
} from './ledger.repository.ts';
import { creditNormal } from './ledger.service.ts';

/**
 * CSV exports for the organisation's accountants (issue 15 item 8, ADR 0125): every transfer,
 * and every account's balances. They carry account codes (the organisation's own words), kinds,
 * amounts and dates; never a label, a name, a payment detail or a case id: every recipient
 * account is written as "recipient" (its balances summed per currency), since a case's
 * pseudonym outside the server would only help someone link records. Every text cell is
 * formula-safe for spreadsheet programs.
 */

/**
 * A cell that a spreadsheet would read as a formula (= + - @, a tab or carriage return, or a
 * pipe for DDE) gets a leading apostrophe; a plain number, negative ones included, stays a number.
 */
export function formulaSafe(value: string): string {
  if (/^-?\d+(\.\d+)?$/.test(value)) return value;
  return /^[=+\-@\t\r|]/.test(value) ? `'${value}` : value;
}

function csv(rows: unknown[][]): string {
  return stringify(rows, { cast: { string: formulaSafe }, record_delimiter: 'windows' });
}

/** Minor units as a decimal string, exactly ("-12345" in 2 minor units is "-123.45"). */
export function decimalAmount(amount: number, minorUnits: number): string {
  const digits = String(Math.abs(amount)).padStart(minorUnits + 1, '0');
  const text = minorUnits === 0 ? digits : `${digits.slice(0, -minorUnits)}.${digits.slice(-minorUnits)}`;
  return amount < 0 ? `-${text}` : text;
}

const exportedCode = (a: LedgerAccountRow) => (a.kind === 'recipient' ? 'recipient' : a.code);

async function context(ctx: AppContext) {
  const db = ctx.database.db;
  const [accounts, currencies] = await Promise.all([listAccounts(db), listCurrencies(db)]);
  return {
    accounts: new Map(accounts.map((a) => [a.id, a])),
    minor: (code: string) => currencies.find((c) => c.code === code)?.minor_units ?? 2,
  };
}

async function audited(ctx: AppContext, actor: Actor, action: AuditAction): Promise<void> {
  await ctx.database.db
    .transaction()
    .execute((t) => recordAudit(t, { actor: actorLabel(actor), action, target: 'ledger' }));
}

export const TRANSFER_EXPORT_HEADER = [
  'transfer_id',
  'created_at',
  'decided_at',
  'kind',
  'status',
  'debit_account',
  'credit_account',
  'amount',
  'currency',
  'reverses_transfer_id',
];

/** Every transfer as CSV, in pages (a large ledger is streamed, never held whole). Audited. */
export async function exportTransfersCsv(ctx: AppContext, actor: Actor): Promise<AsyncGenerator<string>> {
  requireAllowed(canKeepLedger(actor), 'ledger.export_transfers');
  await audited(ctx, actor, 'ledger.export_transfers');
  const { accounts, minor } = await context(ctx);
  const code = (id: string) => {
    const a = accounts.get(id);
    return a === undefined ? '?' : exportedCode(a);
  };
  return (async function* () {
    yield csv([TRANSFER_EXPORT_HEADER]);
    let page: unknown[][] = [];
    for await (const t of iterateTransfers(ctx.database.db, 2_000)) {
      page.push([
        t.id,
        t.created_at.toISOString(),
        t.decided_at?.toISOString() ?? '',
        t.kind,
        t.status,
        code(t.debit_account_id),
        code(t.credit_account_id),
        decimalAmount(t.amount, minor(t.currency)),
        t.currency,
        t.reverses_id ?? '',
      ]);
      if (page.length === 2_000) {
        yield csv(page);
        page = [];
      }
    }
    if (page.length > 0) yield csv(page);
  })();
}

/** Every account's balances as CSV; recipient accounts summed per currency. Audited. */
export async function exportBalancesCsv(ctx: AppContext, actor: Actor, now = new Date()): Promise<string> {
  requireAllowed(canKeepLedger(actor), 'ledger.export_balances');
  await audited(ctx, actor, 'ledger.export_balances');
  const { accounts, minor } = await context(ctx);
  const rows = new Map<string, { code: string; kind: string; currency: string; sums: number[] }>();
  for (const a of accounts.values()) {
    const key = `${exportedCode(a)}|${a.currency}`;
    const row = rows.get(key) ?? {
      code: exportedCode(a),
      kind: a.kind,
      currency: a.currency,
      sums: [0, 0, 0, 0],
    };
    const balance = creditNormal(a.kind)
      ? a.credits_posted - a.debits_posted
      : a.debits_posted - a.credits_posted;
    const reserved = creditNormal(a.kind) ? a.debits_pending : a.credits_pending;
    [balance, reserved, a.debits_posted, a.credits_posted].forEach((v, i) => {
      row.sums[i]! += v;
    });
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) || a.code.localeCompare(b.code) || a.currency.localeCompare(b.currency),
  );
  return csv([
    ['account', 'kind', 'currency', 'balance', 'reserved', 'debits_posted', 'credits_posted', 'as_of'],
    ...sorted.map((r) => [
      r.code,
      r.kind,
      r.currency,
      ...r.sums.map((v) => decimalAmount(v, minor(r.currency))),
      now.toISOString(),
    ]),
  ]);
}
