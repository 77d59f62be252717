import { randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { type Actor, actorLabel } from '../auth/auth.policy.ts';
import { createSubjectKey, openSubjectKey } from '../keys/keys.service.ts';
import { findCaseById, insertCase, insertCaseNote, listCaseNotes } from './cases.repository.ts';

/**
 * The case aggregate, minimal for the foundation: a case with encrypted person details
 * and story, and encrypted internal notes. The caseworker workspace (queue, workflow,
 * access rules) builds on this.
 */
const personSchema = z.object({
  givenName: z.string().max(200).optional(),
  familyName: z.string().max(200).optional(),
  patronymic: z.string().max(200).optional(),
  birthDate: z.string().max(10).optional(),
  phone: z.string().max(40).optional(),
});
export type PersonDetails = z.infer<typeof personSchema>;

const newCaseSchema = z.object({
  person: personSchema.default({}),
  story: z.string().max(20_000).default(''),
  urgency: z.number().int().min(0).max(3).default(0),
});

const subjectOf = (caseId: string) => `case:${caseId}`;

/** A short pseudonymous reference, never derived from the person: "C-" + 8 characters. */
export function newCaseRef(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let out = 'C-';
  for (let i = 0; i < 8; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export async function createCase(
  ctx: AppContext,
  actor: Actor | { kind: 'applicant' },
  input: unknown,
): Promise<{ id: string; ref: string }> {
  const parsed = newCaseSchema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', 'invalid case');
  const id = randomUUID();
  const ref = newCaseRef();
  await ctx.database.db.transaction().execute(async (trx) => {
    const key = await createSubjectKey(trx, ctx.vault, subjectOf(id));
    try {
      await insertCase(trx, {
        id,
        ref,
        urgency: parsed.data.urgency,
        person_enc: encryptField(key, JSON.stringify(parsed.data.person), {
          table: 'cases',
          column: 'person',
          rowId: id,
        }),
        story_enc: encryptField(key, parsed.data.story, { table: 'cases', column: 'story', rowId: id }),
      });
    } finally {
      key.dispose();
    }
    await recordAudit(trx, {
      actor: actor.kind === 'applicant' ? 'applicant' : actorLabel(actor),
      action: 'case.create',
      target: `case:${ref}`,
    });
  });
  return { id, ref };
}

export async function addCaseNote(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  body: string,
): Promise<string> {
  if (body.length === 0 || body.length > 20_000) throw new AppError('validation_failed', 'note length');
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    const row = await findCaseById(trx, caseId);
    if (row === undefined) throw new AppError('not_found', 'no such case');
    const key = await openSubjectKey(trx, ctx.vault, subjectOf(caseId));
    try {
      await insertCaseNote(trx, {
        id,
        case_id: caseId,
        author_id: actor.kind === 'staff' ? actor.id : null,
        body_enc: encryptField(key, body, { table: 'case_notes', column: 'body', rowId: id }),
      });
    } finally {
      key.dispose();
    }
    await recordAudit(trx, { actor: actorLabel(actor), action: 'case.note_add', target: `case:${row.ref}` });
  });
  return id;
}

/** Decrypts a case for a reader. (Access rules arrive with the caseworker workspace.) */
export async function readCase(ctx: AppContext, actor: Actor, caseId: string) {
  const db = ctx.database.db;
  const row = await findCaseById(db, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  const key = await openSubjectKey(db, ctx.vault, subjectOf(caseId));
  try {
    const person = JSON.parse(
      decryptFieldText(key, toBuffer(row.person_enc ?? Buffer.alloc(0)), {
        table: 'cases',
        column: 'person',
        rowId: row.id,
      }),
    ) as PersonDetails;
    const story = decryptFieldText(key, toBuffer(row.story_enc ?? Buffer.alloc(0)), {
      table: 'cases',
      column: 'story',
      rowId: row.id,
    });
    const notes = (await listCaseNotes(db, caseId)).map((n) => ({
      id: n.id,
      body: decryptFieldText(key, toBuffer(n.body_enc), { table: 'case_notes', column: 'body', rowId: n.id }),
    }));
    await recordAudit(db, { actor: actorLabel(actor), action: 'case.read', target: `case:${row.ref}` });
    return { id: row.id, ref: row.ref, person, story, notes };
  } finally {
    key.dispose();
  }
}
