import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import type { EvidenceDestination } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { appendCustody, authoriseEvidenceCase, authoriseItem, invalidFields } from './evidence.service.ts';
import { insertConsent, listCaseItems, listCurrentConsents } from './evidence.repository.ts';

/**
 * The witness's consent per item and destination (issue 16 item 4): given, refused or not
 * asked; how it was given; named or by pseudonym only. A history: each decision is a new row
 * and a custody event, the newest counts. No row means "not asked".
 */
export const DESTINATIONS = [
  'icc_otp',
  'un_coi_ukraine',
  'ua_prosecutor_general',
  'universal_jurisdiction',
  'journalists',
] as const satisfies readonly EvidenceDestination[];

export const consentSchema = z
  .object({
    destination: z.enum(DESTINATIONS),
    status: z.enum(['given', 'refused', 'not_asked']),
    how: z.enum(['written', 'oral_recorded', 'oral_witnessed', 'electronic']).optional(),
    identity: z.enum(['named', 'pseudonym']),
    notes: z.string().trim().max(2000).optional(),
  })
  .refine((c) => (c.status === 'given') === (c.how !== undefined), { path: ['how'] });

const notesBind = (id: string) => ({ table: 'evidence_consents', column: 'notes', rowId: id });

/** Records one decision of the witness for one item and destination. */
export async function recordConsent(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  input: unknown,
): Promise<void> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const parsed = consentSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'consent', { fields: invalidFields(parsed.error.issues) });
  }
  const c = parsed.data;
  const keyring = ctx.vault.requireKeyring();
  await ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      async (key) => {
        const id = randomUUID();
        await insertConsent(trx, {
          id,
          item_id: item.id,
          destination: c.destination,
          status: c.status,
          how: c.how ?? null,
          identity: c.identity,
          notes_enc:
            c.notes === undefined || c.notes === '' ? null : encryptField(key, c.notes, notesBind(id)),
          recorded_by: actorLabel(actor),
          recorded_at: new Date(),
        });
        await appendCustody(trx, keyring, key, {
          itemId: item.id,
          actor: actorLabel(actor),
          action: 'consent_recorded',
          reason: `${c.destination}: ${c.status}, ${c.identity}`,
        });
      },
      trx,
    ),
  );
}

export interface ConsentRecord {
  itemId: string;
  destination: EvidenceDestination;
  status: 'given' | 'refused' | 'not_asked';
  how: string | null;
  identity: 'named' | 'pseudonym';
  recordedBy: string;
  recordedAt: string;
}

/** The current consent of each item for each destination ("not asked" where none was recorded). */
export async function currentConsents(
  db: AppContext['database']['db'],
  itemIds: readonly string[],
): Promise<Map<string, ConsentRecord>> {
  const out = new Map<string, ConsentRecord>();
  for (const r of await listCurrentConsents(db, itemIds)) {
    out.set(`${r.item_id}|${r.destination}`, {
      itemId: r.item_id,
      destination: r.destination,
      status: r.status,
      how: r.how,
      identity: r.identity,
      recordedBy: r.recorded_by,
      recordedAt: r.recorded_at.toISOString(),
    });
  }
  return out;
}

/** The consent grid of a case: every item × every destination, with the notes decrypted. */
export async function consentGrid(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<
  Array<{
    itemId: string;
    destination: EvidenceDestination;
    consent: (ConsentRecord & { notes: string | null }) | null;
  }>
> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  const db = ctx.database.db;
  const items = await listCaseItems(db, row.id);
  const rows = await listCurrentConsents(
    db,
    items.map((i) => i.id),
  );
  return withSubjectKey(ctx, subjectOf(row.id), (key) =>
    items.flatMap((i) =>
      DESTINATIONS.map((destination) => {
        const r = rows.find((c) => c.item_id === i.id && c.destination === destination);
        return {
          itemId: i.id,
          destination,
          consent:
            r === undefined
              ? null
              : {
                  itemId: r.item_id,
                  destination,
                  status: r.status,
                  how: r.how,
                  identity: r.identity,
                  recordedBy: r.recorded_by,
                  recordedAt: r.recorded_at.toISOString(),
                  notes:
                    r.notes_enc === null
                      ? null
                      : decryptFieldText(key, toBuffer(r.notes_enc), notesBind(r.id)),
                },
        };
      }),
    ),
  );
}
