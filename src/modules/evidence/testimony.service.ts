import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { uuidSchema } from '../case-access/index.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import {
  authoriseEvidenceCase,
  authoriseItemCase,
  invalidFields,
  storeTextItem,
} from './evidence.service.ts';
import {
  confirmTestimonyVersion,
  findTestimony,
  insertTestimony,
  insertTestimonyVersion,
  listCaseItems,
  listCaseTestimonies,
  listTestimonyVersions,
  lockTestimony,
} from './evidence.repository.ts';

/**
 * Structured testimony (issue 16 item 2): the headings of the Berkeley Protocol and of
 * prosecutors' witness statements. Every edit is a new version; a version is never changed
 * after it was written, so the one read back to the witness and confirmed stays as it was.
 * The confirmed version becomes an evidence item (its canonical JSON, hashed at that moment).
 * All text is encrypted under the case key.
 */
export const KNOWLEDGE = ['saw', 'heard', 'was_told', 'took_part'] as const;
const text = (max: number) => z.string().trim().max(max);

export const testimonySchema = z.object({
  language: z.enum(['ru', 'uk', 'en']),
  /** How the witness named themselves: replaced by the pseudonym when an export asks for one. */
  witnessName: text(200),
  witnessRole: text(500),
  unit: text(500),
  datesAndPlaces: text(5000),
  events: text(20000).min(1),
  personsInvolved: text(5000),
  knowledge: z.array(z.enum(KNOWLEDGE)).min(1),
  knowledgeDetail: text(5000),
  interviewerNotes: text(5000),
  /** The evidence items of the same case the testimony draws on (the applicant's messages, a photo). */
  sources: z.array(z.uuid()).max(50).optional(),
});
export type TestimonyFields = z.infer<typeof testimonySchema>;

const bodyBind = (id: string, version: number) => ({
  table: 'evidence_testimony_versions',
  column: 'body',
  rowId: `${id}:${version}`,
});
const confirmBind = (id: string, version: number) => ({
  table: 'evidence_testimony_versions',
  column: 'confirmation',
  rowId: `${id}:${version}`,
});

/** A new, unconfirmed version row: its text encrypted under the case key. */
function versionRow(key: DataKey, testimonyId: string, version: number, fields: TestimonyFields, by: string) {
  return {
    testimony_id: testimonyId,
    version,
    language: fields.language,
    body_enc: encryptField(key, JSON.stringify(fields), bodyBind(testimonyId, version)),
    created_by: by,
    created_at: new Date(),
    confirmed_by: null,
    confirmed_at: null,
    confirmation_enc: null,
    item_id: null,
  };
}

/** Checks the fields, and that every source is an evidence item of this case (else a field error). */
async function parseFields(ctx: AppContext, caseId: string, input: unknown): Promise<TestimonyFields> {
  const parsed = testimonySchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'testimony', { fields: invalidFields(parsed.error.issues) });
  }
  const fields = parsed.data;
  if (fields.sources !== undefined) {
    fields.sources = [...new Set(fields.sources)];
    const own = new Set((await listCaseItems(ctx.database.db, caseId)).map((i) => i.id));
    if (!fields.sources.every((id) => own.has(id))) {
      throw new AppError('validation_failed', 'testimony sources', { fields: { sources: 'field.invalid' } });
    }
    if (fields.sources.length === 0) delete fields.sources;
  }
  return fields;
}

/** The testimonies of a case: how many versions each has and how many are confirmed. */
export async function listTestimonies(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<Array<{ id: string; versions: number; confirmed: number }>> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  return (await listCaseTestimonies(ctx.database.db, row.id)).map((t) => ({
    id: t.id,
    versions: Number(t.versions),
    confirmed: Number(t.confirmed),
  }));
}

/** Starts a testimony on a case: its version 1. */
export async function recordTestimony(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ id: string; version: number }> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  const fields = await parseFields(ctx, row.id, input);
  const id = randomUUID();
  await ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(row.id),
      async (key) => {
        await insertTestimony(trx, { id, case_id: row.id, created_by: actorLabel(actor) });
        await insertTestimonyVersion(trx, versionRow(key, id, 1, fields, actorLabel(actor)));
      },
      trx,
    ),
  );
  return { id, version: 1 };
}

async function authoriseTestimony(ctx: AppContext, actor: Actor, testimonyId: unknown) {
  if (!uuidSchema.safeParse(testimonyId).success) throw new AppError('not_found', 'malformed testimony id');
  const testimony = await findTestimony(ctx.database.db, testimonyId as string);
  if (testimony === undefined) throw new AppError('not_found', 'no such testimony');
  const caseRow = await authoriseItemCase(ctx, actor, testimony.case_id);
  return { testimony, caseRow };
}

/** An edit: a new version after the newest; no version is ever overwritten. */
export async function editTestimony(
  ctx: AppContext,
  actor: Actor,
  testimonyId: unknown,
  input: unknown,
): Promise<{ version: number }> {
  const { testimony, caseRow } = await authoriseTestimony(ctx, actor, testimonyId);
  const fields = await parseFields(ctx, caseRow.id, input);
  return ctx.database.db.transaction().execute(async (trx) => {
    await lockTestimony(trx, testimony.id);
    const version = (await listTestimonyVersions(trx, testimony.id)).length + 1;
    await withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      (key) => insertTestimonyVersion(trx, versionRow(key, testimony.id, version, fields, actorLabel(actor))),
      trx,
    );
    return { version };
  });
}

export interface TestimonyVersion {
  version: number;
  fields: TestimonyFields;
  createdBy: string;
  createdAt: string;
  confirmed: { by: string; at: string; how: string; itemId: string | null } | null;
}

/** Every version of a testimony, oldest first, decrypted. */
export async function readTestimony(
  ctx: AppContext,
  actor: Actor,
  testimonyId: unknown,
): Promise<TestimonyVersion[]> {
  const { testimony, caseRow } = await authoriseTestimony(ctx, actor, testimonyId);
  const rows = await listTestimonyVersions(ctx.database.db, testimony.id);
  return withSubjectKey(ctx, subjectOf(caseRow.id), (key) =>
    rows.map((r) => ({
      version: r.version,
      fields: JSON.parse(
        decryptFieldText(key, toBuffer(r.body_enc), bodyBind(testimony.id, r.version)),
      ) as TestimonyFields,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      confirmed:
        r.confirmed_at === null || r.confirmed_by === null || r.confirmation_enc === null
          ? null
          : {
              by: r.confirmed_by,
              at: r.confirmed_at.toISOString(),
              how: decryptFieldText(key, toBuffer(r.confirmation_enc), confirmBind(testimony.id, r.version)),
              itemId: r.item_id,
            },
    })),
  );
}

/** The case reference a testimony belongs to (for its page's links), after authorisation. */
export async function testimonyCase(ctx: AppContext, actor: Actor, testimonyId: unknown): Promise<string> {
  return (await authoriseTestimony(ctx, actor, testimonyId)).caseRow.ref;
}

/** The canonical bytes of a confirmed version: what its evidence item holds and hashes. */
export function testimonyDocument(testimonyId: string, version: number, fields: TestimonyFields): string {
  return JSON.stringify({ testimony: testimonyId, version, ...fields });
}

const confirmSchema = z.object({
  version: z.coerce.number().int().min(1),
  /** How the witness confirmed it was read back to them and is right (e.g. "read back by phone, said yes"). */
  how: z.string().trim().min(1).max(2000),
});

/**
 * Records the witness's confirmation of one version (read back to them). Once only per
 * version; the confirmed version becomes an evidence item with its custody from that moment.
 */
export async function confirmTestimony(
  ctx: AppContext,
  actor: Actor,
  testimonyId: unknown,
  input: unknown,
): Promise<{ itemId: string }> {
  const { testimony, caseRow } = await authoriseTestimony(ctx, actor, testimonyId);
  const parsed = confirmSchema.safeParse(input);
  if (!parsed.success)
    throw new AppError('validation_failed', 'confirmation', { fields: { how: 'field.required' } });
  const { version, how } = parsed.data;
  return ctx.database.db.transaction().execute(async (trx) => {
    await lockTestimony(trx, testimony.id);
    const row = (await listTestimonyVersions(trx, testimony.id)).find((v) => v.version === version);
    if (row === undefined) throw new AppError('not_found', 'no such version');
    if (row.confirmed_at !== null) throw new AppError('conflict', 'version already confirmed');
    return withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      async (key) => {
        const fields = JSON.parse(
          decryptFieldText(key, toBuffer(row.body_enc), bodyBind(testimony.id, version)),
        ) as TestimonyFields;
        const itemId = await storeTextItem(ctx, trx, key, {
          caseId: caseRow.id,
          channel: 'testimony',
          sourceId: randomUUID(),
          name: `testimony-${testimony.id.slice(0, 8)}-v${version}.json`,
          text: testimonyDocument(testimony.id, version, fields),
          receivedBy: actorLabel(actor),
        });
        const done = await confirmTestimonyVersion(trx, testimony.id, version, {
          confirmed_by: actorLabel(actor),
          confirmed_at: new Date(),
          confirmation_enc: encryptField(key, how, confirmBind(testimony.id, version)),
          item_id: itemId,
        });
        if (!done) throw new AppError('conflict', 'version already confirmed');
        return { itemId };
      },
      trx,
    );
  });
}
