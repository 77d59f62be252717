import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { authoriseCase, canWriteCase, caseFacts } from '../case-access/index.ts';
import { intakeAnswersSchema, personSchema, subjectOf, today, touchCase } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import type { Locale } from '../pathways/index.ts';
import { evaluatePathways, getKnowledgeBase, type PathwaysResult } from '../pathways/index.ts';
import { type PrefillNote, prefillFromCase } from './case-pathways.mapping.ts';
import { findPathwayCheck, insertPathwayCheck, listPathwayChecks } from './case-pathways.repository.ts';
import {
  type CheckFormValues,
  checkFormSchema,
  checkIdSchema,
  formValuesFromBody,
  formValuesFromProfile,
  profileFromForm,
  type StoredCheck,
  saveFormSchema,
} from './case-pathways.schemas.ts';
import { chosenPathway, currentPathway, movePathway } from './case-pathways.destinations.ts';
import { decryptPathwayCheck } from './case-pathways.timeline.tsx';

/**
 * "Check pathways" on a case: fill a profile from the case, run the pathways engine on it, and
 * save the result to the case timeline. Need-to-know as for any case content (authoriseCase:
 * a case the actor may not read answers 404); saving needs write access. The saved payload is
 * encrypted with the case's data key, and the save is audited in the same transaction.
 */

export interface CheckFormPage {
  ref: string;
  values: CheckFormValues;
  notes: PrefillNote[];
  canSave: boolean;
}

export interface CheckResultPage {
  ref: string;
  values: CheckFormValues;
  result: PathwaysResult;
  canSave: boolean;
}

/** A form that did not parse: a 400 naming each field, with what was sent, to show again. */
export class CheckFormError extends AppError {
  constructor(
    readonly values: CheckFormValues,
    fields: Record<string, string>,
  ) {
    super('validation_failed', 'invalid pathway check form', { fields });
  }
}

/** The knowledge base changed between showing a result and saving it: 409, nothing saved. */
export class ContentChangedError extends AppError {
  constructor(readonly page: CheckResultPage) {
    super('conflict', 'pathways content version changed');
  }
}

function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>) {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const name = String(issue.path[0] ?? 'form');
    fields[name] ??= issue.message.startsWith('case_pathways.') ? issue.message : 'field.invalid';
  }
  return fields;
}

function readCaseForPathways(key: DataKey, row: CaseRow) {
  const bind = (column: string) => ({ table: 'cases', column, rowId: row.id });
  const json = (blob: Uint8Array | null, column: string): unknown =>
    blob === null ? {} : JSON.parse(decryptFieldText(key, toBuffer(blob), bind(column)));
  return {
    applicantType: row.applicant_type,
    country: row.country,
    person: personSchema.parse(json(row.person_enc, 'person')),
    answers: intakeAnswersSchema.parse(json(row.intake_enc, 'intake')),
  };
}

/**
 * The form for a case, filled from its person details and intake answers (or, with `from`, from
 * the profile of a check saved earlier on the same case). Reading the case content is audited
 * like opening the case file (`case.read`, reason "pathways", and "break-glass" when that is how
 * the case was opened).
 */
export async function getPathwaysCheckForm(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  options: { from?: unknown } = {},
): Promise<CheckFormPage> {
  const db = ctx.database.db;
  const auth = await authoriseCase(db, actor, ref, 'content');
  const { row } = auth;
  let page: { values: CheckFormValues; notes: PrefillNote[] };
  if (options.from !== undefined && options.from !== '') {
    const id = checkIdSchema.safeParse(options.from);
    if (!id.success) throw new AppError('not_found', 'malformed check id');
    const saved = await findPathwayCheck(db, row.id, id.data);
    if (saved === undefined) throw new AppError('not_found', 'no such check');
    const view = await withSubjectKey(ctx, subjectOf(row.id), (key) => decryptPathwayCheck(key, saved), db);
    if (view.check === null) throw new AppError('not_found', 'unreadable check');
    page = {
      values: formValuesFromProfile(view.check.profile),
      notes: [{ key: 'case_pathways.note.from_saved', params: { day: view.evaluatedOn } }],
    };
  } else {
    page = await withSubjectKey(
      ctx,
      subjectOf(row.id),
      (key) => prefillFromCase(readCaseForPathways(key, row)),
      db,
    );
  }
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'case.read',
    target: `case:${row.ref}`,
    reason: auth.viaBreakGlass ? 'pathways, break-glass' : 'pathways',
  });
  return { ref: row.ref, ...page, canSave: canWriteCase(actor, caseFacts(row), auth.facts) };
}

/**
 * Runs the engine on the submitted profile, in the staff member's language. Nothing is stored:
 * the result is shown with a form to save it. A form that does not parse is a CheckFormError.
 */
export async function runPathwaysCheck(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
  locale: Locale,
): Promise<CheckResultPage> {
  const auth = await authoriseCase(ctx.database.db, actor, ref, 'content');
  const form = checkFormSchema.safeParse(input ?? {});
  if (!form.success) throw new CheckFormError(formValuesFromBody(input), fieldErrors(form.error.issues));
  const result = evaluatePathways(profileFromForm(form.data, locale), await getKnowledgeBase(), {
    today: today(),
  });
  return {
    ref: auth.row.ref,
    values: formValuesFromBody(input),
    result,
    canSave: canWriteCase(actor, caseFacts(auth.row), auth.facts),
  };
}

/** The stored form of a result: the profile, and per option what decided it (not the texts). */
export function storedCheckOf(result: PathwaysResult, profile: StoredCheck['profile']): StoredCheck {
  return {
    v: 1,
    language: result.language,
    profile,
    options: result.options.map((o) => ({
      id: o.id,
      country: o.country,
      countryName: o.countryName,
      kind: o.kind,
      title: o.title,
      viable: o.viable.value,
      viableRules: o.viable.reasons.map((r) => r.ruleId),
      risk: o.risk.level,
      riskRules: o.risk.reasons.map((r) => r.ruleId),
      reviewed: o.reviewed,
    })),
    warnings: result.warnings.map((w) => ({ id: w.id, level: w.level })),
  };
}

/**
 * Saves a check to the case timeline. The engine runs again on the submitted profile (a result
 * sent by the browser is never trusted); if the knowledge base changed since the staff member
 * saw the result, nothing is saved and the error carries the new result (409). The row, the
 * last-activity date and the audit entry are written in one transaction.
 */
export async function savePathwaysCheck(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
  locale: Locale,
): Promise<{ ref: string; id: string }> {
  const kb = await getKnowledgeBase();
  const id = randomUUID();
  return ctx.database.db.transaction().execute(async (trx) => {
    const { row } = await authoriseCase(trx, actor, ref, 'write');
    const form = saveFormSchema.safeParse(input ?? {});
    if (!form.success) throw new CheckFormError(formValuesFromBody(input), fieldErrors(form.error.issues));
    const profile = profileFromForm(form.data, locale);
    const day = today();
    const result = evaluatePathways(profile, kb, { today: day });
    if (form.data.contentVersion !== kb.version) {
      throw new ContentChangedError({
        ref: row.ref,
        values: formValuesFromBody(input),
        result,
        canSave: true,
      });
    }
    const stored = storedCheckOf(result, profile);
    const payload = JSON.stringify(stored);
    // Cases by destination and route (ADR 0170): move this case from its previous pathway
    // (its latest check, decrypted here) to the new one, in the same transaction.
    const before = await currentPathway(ctx, trx, row.id);
    await movePathway(ctx, trx, row.created_on, row.team_id, before, chosenPathway(stored));
    await withSubjectKey(
      ctx,
      subjectOf(row.id),
      async (key) => {
        await insertPathwayCheck(trx, {
          id,
          case_id: row.id,
          author_id: actor.kind === 'staff' ? actor.id : null,
          content_version: kb.version,
          evaluated_on: day,
          payload_enc: encryptField(key, payload, {
            table: 'case_pathway_checks',
            column: 'payload',
            rowId: id,
          }),
        });
      },
      trx,
    );
    await touchCase(trx, row.id);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'case.pathways_check',
      target: `case:${row.ref}`,
      reason: `content ${kb.version.slice(0, 12)}, ${day}`,
    });
    return { ref: row.ref, id };
  });
}

/**
 * The destinations of a case's latest saved pathway check, viable options first in the order
 * the engine ranked them (country code and option kind), for matching partners (issue 14).
 * No access check: the caller has authorised content access to the case. Empty without a check.
 */
export async function latestPathwayDestinations(
  ctx: AppContext,
  db: Db,
  caseId: string,
): Promise<Array<{ country: string; kind: string; viable: boolean }>> {
  const rows = await listPathwayChecks(db, caseId);
  const last = rows.at(-1);
  if (last === undefined) return [];
  const view = await withSubjectKey(ctx, subjectOf(caseId), (key) => decryptPathwayCheck(key, last), db);
  if (view.check === null) return [];
  const options = view.check.options.map((o) => ({
    country: o.country,
    kind: o.kind,
    viable: o.viable === true,
  }));
  return [...options.filter((o) => o.viable), ...options.filter((o) => !o.viable)];
}
