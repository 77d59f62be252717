import { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { registerAct, requestAct, staffOnly } from '../case-access/index.ts';
import {
  addFractions,
  compareFractions,
  type Fraction,
  formatFraction,
  fraction,
  parseFraction,
} from './dp-sampler.ts';
import { canPublishStatistics } from './reports.policy.ts';
import { listBudgets, listReleaseRows, lockBudget, upsertBudget } from './reports.repository.ts';

/**
 * The organisation's privacy budget per dataset (issue 19 item 3, ADR 0171): the total ρ that
 * all its public releases together may spend. Lowering it only protects more, so an admin does
 * it at once; raising it lets more be published about the same people, so on the web it is a
 * two-person act (`requestAct`, kind `report_budget`): it happens only when a second admin
 * approves it on /staff/admin/requests, and only if the total is still what the request saw.
 * The operator's CLI on the server (`sanctuary reports budget`) sets it at once, like the other
 * operator commands. Every change is audited (`reports.budget`) with the old and new totals.
 */
export const MAX_TOTAL_RHO: Fraction = { n: 10n, d: 1n };

const budgetSchema = z.object({
  dataset: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  total: z.string().max(40),
});

export interface BudgetChange {
  dataset: string;
  from: string;
  to: string;
  /** Applied now, or filed as a request (its id) for a second admin. */
  outcome: 'applied' | 'unchanged' | { requested: string };
}

function totalError(): AppError {
  return new AppError('validation_failed', 'bad budget', { fields: { total: 'reports.budget.error.total' } });
}

/** Sets a dataset's total ρ: at once when lowering (or from the CLI), else as a request for a second admin. */
export async function setBudget(ctx: AppContext, actor: Actor, input: unknown): Promise<BudgetChange> {
  requireAllowed(canPublishStatistics(actor), 'reports.budget');
  const parsed = budgetSchema.safeParse(input);
  if (!parsed.success) throw totalError();
  let total: Fraction;
  try {
    total = parseFraction(parsed.data.total);
  } catch {
    throw totalError();
  }
  if (total.n === 0n || compareFractions(total, MAX_TOTAL_RHO) > 0) throw totalError();
  const dataset = parsed.data.dataset;
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await lockBudget(trx, dataset);
    if (row === undefined) throw new AppError('not_found', 'no such dataset');
    const current = parseFraction(row.total_rho);
    const change = { dataset, from: row.total_rho, to: formatFraction(total) };
    const order = compareFractions(total, current);
    if (order === 0) return { ...change, outcome: 'unchanged' as const };
    if (order < 0 || actor.kind === 'cli') {
      await applyBudget(trx, change, actorLabel(actor), 'set');
      return { ...change, outcome: 'applied' as const };
    }
    const id = await requestAct(ctx, trx, {
      kind: 'report_budget',
      requestedBy: staffOnly(actor).id,
      payload: change,
    });
    return { ...change, outcome: { requested: id } };
  });
}

async function applyBudget(
  trx: Db,
  change: { dataset: string; from: string; to: string },
  actor: string,
  reason: string,
): Promise<void> {
  await upsertBudget(trx, change.dataset, change.to);
  await recordAudit(trx, {
    actor,
    action: 'reports.budget',
    target: `dataset:${change.dataset}`,
    reason: `rho ${change.from} -> ${change.to}; ${reason}`,
  });
}

registerAct('report_budget', {
  canDecide: canPublishStatistics,
  describe: (p) => [
    `raise the privacy budget of the dataset "${p.dataset ?? ''}" from total rho ${p.from ?? ''} to ${p.to ?? ''}`,
    'more can then be published about the same people',
  ],
  async execute(_ctx, trx, p, by) {
    const dataset = p.dataset ?? '';
    const row = await lockBudget(trx, dataset);
    // The total changed since the request was filed: approving it would decide something else.
    if (row === undefined || row.total_rho !== p.from || p.to === undefined)
      throw new AppError('conflict', 'the budget changed since this request was made');
    await applyBudget(trx, { dataset, from: row.total_rho, to: p.to }, by.requester, by.reason);
    return { target: `dataset:${dataset}` };
  },
});

/** Every dataset's total and what its releases spent (the CLI's `reports budget`). */
export async function budgets(
  ctx: AppContext,
  actor: Actor,
): Promise<Array<{ dataset: string; total: string; spent: string; releases: number }>> {
  requireAllowed(canPublishStatistics(actor), 'reports.budget');
  const db = ctx.database.db;
  return Promise.all(
    (await listBudgets(db)).map(async (b) => {
      const rows = await listReleaseRows(db, b.dataset);
      const spent = rows.reduce((a, r) => addFractions(a, parseFraction(r.rho)), fraction(0n, 1n));
      return { dataset: b.dataset, total: b.total_rho, spent: formatFraction(spent), releases: rows.length };
    }),
  );
}
