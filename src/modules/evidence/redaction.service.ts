import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptField, decryptFieldText, encryptField, sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { appendCustody, authoriseItem } from './evidence.service.ts';
import {
  confirmRedactionRow,
  findRedaction,
  insertRedaction,
  listConfirmedRedactions,
} from './evidence.repository.ts';
import { redactTestimony } from './redaction.ts';

/**
 * Redaction with a second person (issue 16 item 5, ADR 0137): one staff member prepares the
 * pseudonymised copy of a testimony (a "redacted" custody event), another confirms exactly
 * those bytes (by their SHA-256); an export under pseudonym-only consent uses only a confirmed
 * redaction with the same pseudonym. The original and its hash stay in custody, untouched.
 */
const pseudonymBind = (id: string) => ({ table: 'evidence_redactions', column: 'pseudonym', rowId: id });

function originalOf(key: DataKey, item: { id: string; original_enc: Uint8Array }): Buffer {
  return decryptField(key, toBuffer(item.original_enc), {
    table: 'evidence_items',
    column: 'original',
    rowId: item.id,
  });
}

/** Prepares the pseudonymised copy of a testimony item for review; returns it for the preparer to read. */
export async function prepareRedaction(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  input: { pseudonym?: unknown },
): Promise<{ id: string; redacted: string; sha256: string }> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const pseudonym = typeof input.pseudonym === 'string' ? input.pseudonym.trim() : '';
  if (pseudonym.length === 0 || pseudonym.length > 100) {
    throw new AppError('validation_failed', 'pseudonym', { fields: { pseudonym: 'field.required' } });
  }
  if (item.channel !== 'testimony') {
    throw new AppError('validation_failed', 'only testimony text can be redacted', {
      fields: { item: 'field.invalid' },
    });
  }
  const keyring = ctx.vault.requireKeyring();
  const id = randomUUID();
  return ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      async (key) => {
        const redacted = redactTestimony(originalOf(key, item), pseudonym);
        await insertRedaction(trx, {
          id,
          item_id: item.id,
          pseudonym_enc: encryptField(key, pseudonym, pseudonymBind(id)),
          redacted_sha256: sha256(redacted),
          prepared_by: actorLabel(actor),
          prepared_at: new Date(),
          confirmed_by: null,
          confirmed_at: null,
        });
        await appendCustody(trx, keyring, key, {
          itemId: item.id,
          actor: actorLabel(actor),
          action: 'redacted',
          reason: `redaction ${id} prepared (pseudonym), waiting for a second person`,
        });
        return { id, redacted: redacted.toString('utf8'), sha256: sha256(redacted).toString('hex') };
      },
      trx,
    ),
  );
}

/** A second person confirms a prepared redaction (never its preparer: 409, nothing written). */
export async function confirmRedaction(ctx: AppContext, actor: Actor, redactionId: unknown): Promise<void> {
  if (typeof redactionId !== 'string' || !/^[0-9a-f-]{36}$/.test(redactionId))
    throw new AppError('not_found', 'redaction');
  const row = await findRedaction(ctx.database.db, redactionId);
  if (row === undefined) throw new AppError('not_found', 'no such redaction');
  const { item, caseRow } = await authoriseItem(ctx, actor, row.item_id);
  if (row.prepared_by === actorLabel(actor))
    throw new AppError('conflict', 'a redaction needs a second person');
  const keyring = ctx.vault.requireKeyring();
  await ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      async (key) => {
        if (!(await confirmRedactionRow(trx, row.id, actorLabel(actor), new Date()))) {
          throw new AppError('conflict', 'redaction already confirmed');
        }
        await appendCustody(trx, keyring, key, {
          itemId: item.id,
          actor: actorLabel(actor),
          action: 'redacted',
          reason: `redaction ${row.id} confirmed by a second person`,
        });
      },
      trx,
    ),
  );
}

/**
 * The confirmed redacted copy of an item for a pseudonym, recomputed from the original and
 * accepted only when its bytes are those the second person confirmed; undefined otherwise.
 */
export async function confirmedRedaction(
  db: Db,
  key: DataKey,
  item: { id: string; original_enc: Uint8Array },
  pseudonym: string,
): Promise<Buffer | undefined> {
  for (const r of await listConfirmedRedactions(db, [item.id])) {
    if (decryptFieldText(key, toBuffer(r.pseudonym_enc), pseudonymBind(r.id)) !== pseudonym) continue;
    const redacted = redactTestimony(originalOf(key, item), pseudonym);
    if (sha256(redacted).equals(toBuffer(r.redacted_sha256))) return redacted;
  }
  return undefined;
}
