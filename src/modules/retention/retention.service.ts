import { type Actor, requireAllowed, roleHas } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import {
  actorFacts,
  caseRefSchema,
  findCaseByRef,
  findCaseScopeFacts,
  lockCaseForUpdate,
  registerAct,
  requestAct,
  staffOnly,
} from '../case-access/index.ts';
import { CASE_STATUSES, CLOSING_REASONS, deleteCaseRow } from '../cases/index.ts';
import { deleteJobsOfCase } from '../jobs/index.ts';
import { destroySubjectKey } from '../keys/index.ts';
import { caseErasers, registeredRetentionRules } from './erasers.ts';
import {
  type DueRow,
  deleteHold,
  insertHold,
  isHeld,
  listDue,
  listHolds,
  listRules,
  type RuleRow,
  replaceRules,
} from './retention.repository.ts';

/**
 * Retention and crypto-shredding (issue 18, ADR 0139). Rules per case state (and closing
 * reason) and idle age; legal holds suspend them; erasing a case runs every registered
 * eraser, deletes the case row (and, by cascade, what hangs off it), destroys the case's data
 * key and leaves an audit entry naming only the case reference and the rule. Changing the
 * rules or lifting a hold is a two-person act (ADR 0138); placing a hold is not (it only keeps).
 */

export const canManageRetention = (actor: Actor) =>
  actor.kind === 'staff' && roleHas(actor.role, 'retention.manage');

/** How far ahead the administration page looks. */
export const PREVIEW_DAYS = 30;
/** Cases erased per run of the daily job at most (the rest the next day). */
const PER_RUN = 500;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The case a form or path names, or 404. */
async function caseNamed(db: Parameters<typeof findCaseByRef>[0], ref: unknown) {
  const parsed = caseRefSchema.safeParse(ref);
  const row = parsed.success ? await findCaseByRef(db, parsed.data) : undefined;
  if (row === undefined) throw new AppError('not_found', 'no such case');
  return row;
}

/**
 * Parses the rules form: one rule per line, `status days` or `closed/reason days`, e.g.
 * `closed 365` and `closed/not_genuine 30`. Throws a translated validation error.
 */
export function parseRules(text: unknown): RuleRow[] {
  if (typeof text !== 'string' || text.length > 2000) throw invalidRules();
  const out = new Map<string, RuleRow>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([a-z_]+)(?:\/([a-z_]+))?\s+(\d{1,5})$/.exec(line);
    if (m === null) throw invalidRules();
    const [, status, reason = '', daysText] = m;
    const days = Number(daysText);
    if (!(CASE_STATUSES as readonly string[]).includes(status!)) throw invalidRules();
    if (reason !== '' && (status !== 'closed' || !(CLOSING_REASONS as readonly string[]).includes(reason))) {
      throw invalidRules();
    }
    if (days < 1 || days > 36500) throw invalidRules();
    const key = `${status}/${reason}`;
    if (out.has(key)) throw invalidRules();
    out.set(key, { status: status!, closing_reason: reason, after_days: days });
  }
  return [...out.values()].sort((a, b) =>
    `${a.status}/${a.closing_reason}`.localeCompare(`${b.status}/${b.closing_reason}`),
  );
}

function invalidRules(): AppError {
  return new AppError('validation_failed', 'invalid retention rules', {
    fields: { rules: 'retention.field.rules' },
  });
}

export const rulesText = (rules: readonly RuleRow[]) =>
  rules
    .map((r) => `${r.status}${r.closing_reason === '' ? '' : `/${r.closing_reason}`} ${r.after_days}`)
    .join('\n');

export interface RetentionOverview {
  rules: RuleRow[];
  holds: Array<{ ref: string; placedAt: Date }>;
  /** What the daily job will erase within PREVIEW_DAYS, soonest first. */
  due: DueRow[];
}

export async function getRetentionOverview(
  ctx: AppContext,
  actor: Actor,
  now = Date.now(),
): Promise<RetentionOverview> {
  requireAllowed(canManageRetention(actor), 'retention');
  const db = ctx.database.db;
  const holds = await listHolds(db);
  const due = await listDue(db, day(now + PREVIEW_DAYS * 86_400_000), 200, registeredRetentionRules(ctx));
  // A restricted case's reference is shown only inside its team (ADR 0158; issue 21 item 4).
  const { teamIds } = await actorFacts(db, actor);
  const hidden = new Set(
    (await findCaseScopeFacts(db, [...holds.map((h) => h.ref), ...due.map((d) => d.ref)]))
      .filter((c) => c.restricted && (c.team_id === null || !teamIds.includes(c.team_id)))
      .map((c) => c.ref),
  );
  const shown = (ref: string) => (hidden.has(ref) ? '—' : ref);
  return {
    rules: await listRules(db),
    holds: holds.map((h) => ({ ref: shown(h.ref), placedAt: h.placed_at })),
    due: due.map((d) => ({ ...d, ref: shown(d.ref) })),
  };
}

/** Files a request to replace the rules (a second administrator approves, ADR 0138). */
export async function requestRulesChange(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canManageRetention(actor), 'retention');
  const rules = parseRules((input as { rules?: unknown } | null)?.rules);
  return ctx.database.db.transaction().execute((trx) =>
    requestAct(ctx, trx, {
      kind: 'retention_change',
      requestedBy: staffOnly(actor).id,
      payload: { rules: rulesText(rules) },
    }),
  );
}

/** Places a legal hold on a case (one person: a hold only keeps). 404 for an unknown case. */
export async function placeLegalHold(ctx: AppContext, actor: Actor, ref: unknown): Promise<void> {
  requireAllowed(canManageRetention(actor), 'retention');
  await ctx.database.db.transaction().execute(async (trx) => {
    const row = await caseNamed(trx, ref);
    if (await insertHold(trx, row.id, staffOnly(actor).id)) {
      await recordAudit(trx, { actor: actor.id, action: 'retention.hold', target: `case:${row.ref}` });
    }
  });
}

/** Files a request to lift a case's legal hold (a second administrator approves). */
export async function requestHoldLift(ctx: AppContext, actor: Actor, ref: unknown): Promise<string> {
  requireAllowed(canManageRetention(actor), 'retention');
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await caseNamed(trx, ref);
    if (!(await isHeld(trx, row.id))) throw new AppError('not_found', 'no hold on this case');
    return requestAct(ctx, trx, {
      kind: 'retention_change',
      requestedBy: staffOnly(actor).id,
      payload: { liftHold: row.ref },
    });
  });
}

registerAct('retention_change', {
  canDecide: canManageRetention,
  describe: (p) =>
    p.liftHold !== undefined
      ? [`lift the legal hold on case ${p.liftHold}`]
      : ['replace the retention rules with:', ...(p.rules ?? '').split('\n').filter((l) => l !== '')],
  async execute(_ctx, trx, p, by) {
    if (p.liftHold !== undefined) {
      const row = await caseNamed(trx, p.liftHold).catch(() => undefined);
      if (row === undefined || !(await deleteHold(trx, row.id))) throw new AppError('conflict', 'hold gone');
      const target = `case:${row.ref}`;
      await recordAudit(trx, {
        actor: by.requester,
        action: 'retention.hold_lift',
        target,
        reason: by.reason,
      });
      return { target };
    }
    const rules = parseRules(p.rules);
    await replaceRules(trx, rules);
    await recordAudit(trx, {
      actor: by.requester,
      action: 'retention.rules',
      target: null,
      reason: `${rulesText(rules).replaceAll('\n', '; ') || 'none'}; ${by.reason}`,
    });
    return { target: null };
  },
});

/**
 * Erases one case (crypto-shredding): every registered eraser, the case row and what hangs
 * off it, and its data key, in one transaction, then the erasers' after-commit work (files).
 * Refused (false) for a case under a legal hold or already gone. The audit entry names the
 * case reference and `why` (a rule, never personal data).
 */
export async function eraseCase(
  ctx: AppContext,
  caseId: string,
  why: string,
  actor = 'retention',
): Promise<boolean> {
  const after: Array<() => Promise<void>> = [];
  const erased = await ctx.database.db.transaction().execute(async (trx) => {
    const row = await lockCaseForUpdate(trx, caseId);
    if (row === undefined || (await isHeld(trx, caseId))) return false;
    for (const eraser of caseErasers(ctx)) {
      const r = await eraser.erase(trx, caseId);
      if (r?.afterCommit !== undefined) after.push(r.afterCommit);
    }
    await deleteJobsOfCase(trx, caseId);
    await deleteCaseRow(trx, caseId);
    await destroySubjectKey(trx, `case:${caseId}`);
    await recordAudit(trx, { actor, action: 'case.erased', target: `case:${row.ref}`, reason: why });
    return true;
  });
  for (const work of after) await work();
  return erased;
}

/** The daily job's work: erases every case due today (at most PER_RUN). Returns how many. */
export async function applyRetention(ctx: AppContext, now = Date.now()): Promise<number> {
  let erased = 0;
  for (const due of await listDue(ctx.database.db, day(now), PER_RUN, registeredRetentionRules(ctx))) {
    const rule = `${due.status}${due.closing_reason === null ? '' : `/${due.closing_reason}`} after ${due.after_days} days`;
    if (await eraseCase(ctx, due.id, `retention rule: ${rule}`)) erased += 1;
  }
  return erased;
}
