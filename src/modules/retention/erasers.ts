import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { RegisteredRule } from './retention.repository.ts';

/**
 * What one module does when a case is erased (ADR 0139): deletes the rows it owns about the
 * case, in the erasing transaction, and names work to do once that transaction has committed
 * (files of the blob directory). The case core's row and the case's data key are removed by
 * the retention module itself, after every registered eraser has run.
 */
export interface CaseEraser {
  module: string;
  erase(trx: Db, caseId: string): Promise<{ afterCommit?: () => Promise<void> } | undefined>;
}

const erasers = new WeakMap<AppContext, CaseEraser[]>();

/**
 * Registers a module's eraser for this app (a module whose rows or files hold case data calls
 * it where it is mounted: intake for attachments and their blobs; later evidence, referrals).
 */
export function registerCaseEraser(ctx: AppContext, eraser: CaseEraser): void {
  const list = erasers.get(ctx) ?? [];
  erasers.set(ctx, [...list.filter((e) => e.module !== eraser.module), eraser]);
}

export function caseErasers(ctx: AppContext): readonly CaseEraser[] {
  return erasers.get(ctx) ?? [];
}

const rules = new WeakMap<AppContext, RegisteredRule[]>();

/**
 * Registers a module's retention rule for its own kind of case, for this app (the
 * high-assurance path's minimum retention of restricted cases, ADR 0160). A module's second
 * registration for the same status replaces its first.
 */
export function registerRetentionRule(ctx: AppContext, rule: RegisteredRule): void {
  const list = rules.get(ctx) ?? [];
  rules.set(ctx, [...list.filter((r) => r.module !== rule.module || r.status !== rule.status), rule]);
}

export function registeredRetentionRules(ctx: AppContext): readonly RegisteredRule[] {
  return rules.get(ctx) ?? [];
}
