import { z } from 'zod';
import { type Actor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  auditActionLabel,
  auditActorLabel,
  auditAreaLabel,
  auditText,
  listAuditPage,
  recordAudit,
} from '../audit/index.ts';
import { canReadAudit, getStaffEmailLabels, listStaffEmailChoices } from '../auth/index.ts';
import { actorFacts, caseRefSchema, findCaseScopeFacts, staffOnly } from '../case-access/index.ts';

/**
 * The audit-log viewer (issue 21 item 4, ADR 0191): for those who may read the audit log
 * (coordinators and administrators), newest first, filtered by actor, action, case and dates,
 * in pages of 50. Everything is shown by readable labels: actions by their translated names,
 * staff by the e-mail the reader may already see in the staff list, other actors by what they
 * are; a UUID is never shown. A restricted case's reference (ADR 0158) is never shown to a
 * reader outside its team: the entry stays (that somebody acted is the point of the log), the
 * reference becomes "a restricted case", in the target and in the reason; filtering by such a
 * reference finds nothing, exactly like a reference that does not exist.
 */

export const AUDIT_PAGE_SIZE = 50;
const OTHER_ACTORS = ['anonymous', 'applicant', 'system', 'cli'] as const;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const CASE_REF = /\bC-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}\b/g;
const blank = (v: unknown) => (v === '' ? undefined : v);
const day = z.preprocess(
  blank,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)))
    .optional(),
);

const filterSchema = z.object({
  actor: z.preprocess(blank, z.union([z.uuid(), z.enum(OTHER_ACTORS)]).optional()),
  action: z.preprocess(
    blank,
    z
      .string()
      .max(64)
      .regex(/^[a-z_]+\.[a-z_]+$/)
      .optional(),
  ),
  case: z.preprocess(blank, caseRefSchema.optional()),
  from: day,
  to: day,
  before: z.preprocess(blank, z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional()),
  lang: z.unknown().optional(),
});

export type AuditFilter = Omit<z.infer<typeof filterSchema>, 'lang'>;

export interface AuditRowView {
  seq: number;
  at: Date;
  who: string;
  action: string;
  /** The target as the reader may see it (a case reference, a colleague's e-mail, a kind of record). */
  target: string;
  reason: string;
}

export interface AuditPageView {
  filter: AuditFilter;
  rows: AuditRowView[];
  /** The sequence number to page on from, when older entries match. */
  nextBefore: number | null;
  /** The actor filter's choices: staff by e-mail, and the other kinds of actor. */
  actors: Array<{ value: string; label: string }>;
}

/** The filters as typed, or a translated validation error naming the field. */
export function parseAuditFilter(query: unknown): AuditFilter {
  const parsed = filterSchema.safeParse(query ?? {});
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'form');
    throw new AppError('validation_failed', 'audit filter', { fields: { [field]: 'field.invalid' } });
  }
  const { lang: _lang, ...filter } = parsed.data;
  return filter;
}

/** The references among `refs` that the reader may not see (restricted, outside their teams). */
async function hiddenRefs(db: Db, actor: Actor, refs: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(refs)];
  if (list.length === 0) return new Set();
  const { teamIds } = await actorFacts(db, actor);
  const rows = await findCaseScopeFacts(db, list);
  return new Set(
    rows
      .filter((r) => r.restricted && (r.team_id === null || !teamIds.includes(r.team_id)))
      .map((r) => r.ref),
  );
}

/**
 * Case references in `texts` that a reader outside the restricted teams must not see: for
 * other modules' pages that list references from the log or from cases (the retention page).
 */
export async function restrictedRefsHiddenFrom(
  db: Db,
  actor: Actor,
  texts: Iterable<string | null>,
): Promise<Set<string>> {
  const refs: string[] = [];
  for (const text of texts) if (text !== null) refs.push(...(text.match(CASE_REF) ?? []));
  return hiddenRefs(db, actor, refs);
}

export async function getAuditPage(
  ctx: AppContext,
  actor: Actor,
  locale: Locale,
  filter: AuditFilter,
): Promise<AuditPageView> {
  requireAllowed(actor.kind === 'staff' && canReadAudit(actor), 'audit.read');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  // The colleagues by e-mail, as every row names them: not a read of the staff list (ADR 0208).
  const people = await listStaffEmailChoices(ctx, actor);
  const actors = [
    ...people.map((p) => ({ value: p.id, label: p.email })),
    ...OTHER_ACTORS.map((a) => ({ value: a, label: auditActorLabel(locale, a) })),
  ];
  // A restricted case outside the reader's teams filters to nothing, like a missing one.
  const caseHidden =
    filter.case !== undefined && (await hiddenRefs(db, actor, [filter.case])).has(filter.case);
  const raw = caseHidden
    ? []
    : await listAuditPage(db, {
        actor: filter.actor,
        action: filter.action,
        target: filter.case === undefined ? undefined : `case:${filter.case}`,
        from: filter.from === undefined ? undefined : new Date(`${filter.from}T00:00:00Z`),
        to: filter.to === undefined ? undefined : new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000),
        beforeSeq: filter.before,
        limit: AUDIT_PAGE_SIZE,
      });
  const page = raw.slice(0, AUDIT_PAGE_SIZE);
  const texts = page.flatMap((r) => [r.target, r.reason]);
  const hidden = await restrictedRefsHiddenFrom(db, actor, texts);
  const ids = new Set<string>();
  for (const r of page) {
    if (z.uuid().safeParse(r.actor).success) ids.add(r.actor);
    for (const text of [r.target, r.reason])
      for (const id of text?.match(UUID) ?? []) ids.add(id.toLowerCase());
  }
  const labels = await getStaffEmailLabels(ctx, db, ids);
  const restricted = auditText(locale, 'audit.restricted_case');
  const readable = (text: string) =>
    text
      .replace(CASE_REF, (ref) => (hidden.has(ref) ? restricted : ref))
      .replace(UUID, (id) => labels.get(id.toLowerCase()) ?? '…');
  // A case by its reference, a colleague by e-mail; any other record by its kind only.
  const targetLabel = (target: string) => {
    const [kind = '', id = ''] = target.split(/:(.*)/s);
    if (kind === 'case' || kind === 'staff') return readable(id);
    return new RegExp(UUID.source, 'i').test(id) || id === ''
      ? auditAreaLabel(locale, kind)
      : `${auditAreaLabel(locale, kind)}: ${readable(id)}`;
  };
  const rows = page.map((r) => ({
    seq: r.seq,
    at: r.at,
    who: z.uuid().safeParse(r.actor).success
      ? (labels.get(r.actor) ?? auditActorLabel(locale, 'unknown'))
      : auditActorLabel(locale, r.actor),
    action: auditActionLabel(locale, r.action),
    target: r.target === null ? '' : targetLabel(r.target),
    reason: r.reason === null ? '' : readable(r.reason),
  }));
  await recordAudit(db, {
    actor: staff.id,
    action: 'audit.read',
    target: null,
    reason: `filters: ${
      Object.keys(filter)
        .filter((k) => filter[k as keyof AuditFilter] !== undefined)
        .join(',') || 'none'
    }`,
  });
  return {
    filter,
    rows,
    nextBefore: raw.length > AUDIT_PAGE_SIZE ? page[page.length - 1]!.seq : null,
    actors,
  };
}
