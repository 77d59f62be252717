import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  type DataKey,
  decryptField,
  decryptFieldText,
  encryptField,
  type Keyring,
  sha256,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { appendCustody, authoriseItem, openOriginal } from './evidence.service.ts';
import {
  confirmRedactionRow,
  findRedaction,
  insertRedaction,
  listConfirmedRedactions,
  listItemRedactions,
} from './evidence.repository.ts';
import {
  IMAGE_TYPES,
  imageSize,
  parseRegions,
  type Region,
  RegionOutside,
  redactImage,
  uprightCopy,
} from './image-redaction.ts';
import { redactTestimony } from './redaction.ts';

/**
 * Redaction with a second person (issue 16 item 5, ADR 0137): one staff member prepares the
 * pseudonymised copy of a testimony (a "redacted" custody event), another confirms exactly
 * those bytes (by their SHA-256); an export under pseudonym-only consent uses only a confirmed
 * redaction with the same pseudonym. The original and its hash stay in custody, untouched.
 */
const pseudonymBind = (id: string) => ({ table: 'evidence_redactions', column: 'pseudonym', rowId: id });
const regionsBind = (id: string) => ({ table: 'evidence_redactions', column: 'regions', rowId: id });
const redactedBind = (id: string) => ({ table: 'evidence_redactions', column: 'redacted', rowId: id });

/** Whether an item is a photo that image redaction can work on. */
export function isRedactableImage(mediaType: string): boolean {
  return (IMAGE_TYPES as readonly string[]).includes(mediaType);
}

function originalOf(key: DataKey, item: { id: string; original_enc: Uint8Array }): Buffer {
  return decryptField(key, toBuffer(item.original_enc), {
    table: 'evidence_items',
    column: 'original',
    rowId: item.id,
  });
}

/**
 * Stores a prepared redaction and its "redacted" custody event (the first of the two people),
 * in the caller's transaction; `fields` encrypts what this kind keeps under the case key.
 */
async function storePrepared(
  trx: Db,
  keyring: Keyring,
  key: DataKey,
  prepared: {
    id: string;
    itemId: string;
    by: string;
    kind: 'pseudonym' | 'image';
    redacted: Buffer;
    what: string;
    fields: (key: DataKey) => {
      pseudonym_enc: Buffer | null;
      regions_enc: Buffer | null;
      redacted_enc: Buffer | null;
    };
  },
): Promise<void> {
  await insertRedaction(trx, {
    id: prepared.id,
    item_id: prepared.itemId,
    kind: prepared.kind,
    ...prepared.fields(key),
    redacted_sha256: sha256(prepared.redacted),
    prepared_by: prepared.by,
    prepared_at: new Date(),
    confirmed_by: null,
    confirmed_at: null,
  });
  await appendCustody(trx, keyring, key, {
    itemId: prepared.itemId,
    actor: prepared.by,
    action: 'redacted',
    reason: `redaction ${prepared.id} prepared (${prepared.what}), waiting for a second person`,
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
        await storePrepared(trx, keyring, key, {
          id,
          itemId: item.id,
          by: actorLabel(actor),
          kind: 'pseudonym',
          redacted,
          what: 'pseudonym',
          fields: (k) => ({
            pseudonym_enc: encryptField(k, pseudonym, pseudonymBind(id)),
            regions_enc: null,
            redacted_enc: null,
          }),
        });
        return { id, redacted: redacted.toString('utf8'), sha256: sha256(redacted).toString('hex') };
      },
      trx,
    ),
  );
}

/**
 * Prepares the redacted working copy of a photo (ADR 0178): the regions typed by the preparer
 * ("x y width height" a line, in the upright picture's pixels) blurred or blacked out, with
 * sharp, metadata stripped. The copy and the regions are kept encrypted for the second
 * person's review; the original item is never touched.
 */
export async function prepareImageRedaction(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  input: { regions?: unknown; mode?: unknown; note?: unknown },
): Promise<{ id: string; sha256: string }> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  if (!isRedactableImage(item.media_type)) {
    throw new AppError('validation_failed', 'only photos have image regions', {
      fields: { regions: 'evidence.error.not_image' },
    });
  }
  const mode = input.mode === 'remove' ? 'remove' : input.mode === 'blur' ? 'blur' : undefined;
  const regions =
    mode === undefined || typeof input.regions !== 'string' || input.regions.length > 4000
      ? undefined
      : parseRegions(input.regions, mode);
  if (regions === undefined) {
    throw new AppError('validation_failed', 'regions', { fields: { regions: 'evidence.error.regions' } });
  }
  const keyring = ctx.vault.requireKeyring();
  const original = await withSubjectKey(ctx, subjectOf(caseRow.id), (key) => originalOf(key, item));
  let redacted: Buffer;
  try {
    redacted = await redactImage(original, item.media_type, regions);
  } catch (error) {
    if (error instanceof RegionOutside) {
      throw new AppError('validation_failed', 'region outside the picture', {
        fields: { regions: 'evidence.error.region_outside' },
      });
    }
    throw new AppError('validation_failed', 'picture unreadable', {
      fields: { regions: 'evidence.error.unreadable_image' },
    });
  }
  const id = randomUUID();
  const digest = sha256(redacted);
  await ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      (key) =>
        storePrepared(trx, keyring, key, {
          id,
          itemId: item.id,
          by: actorLabel(actor),
          kind: 'image',
          redacted,
          what: `${regions.length} image region(s), ${mode}`,
          fields: (k) => ({
            pseudonym_enc: null,
            regions_enc: encryptField(k, JSON.stringify(regions), regionsBind(id)),
            redacted_enc: encryptField(k, redacted, redactedBind(id)),
          }),
        }),
      trx,
    ),
  );
  return { id, sha256: digest.toString('hex') };
}

export interface RedactionView {
  id: string;
  itemId: string;
  kind: 'pseudonym' | 'image';
  preparedBy: string;
  preparedAt: string;
  confirmedBy: string | null;
  confirmedAt: string | null;
  sha256: string;
  /** Testimony: the redacted text. */
  text?: string;
  pseudonym?: string;
  /** Image: the regions and the redacted copy's media type. */
  regions?: Region[];
  mediaType: string;
}

/**
 * A redaction for its review page: who prepared it, whether it was confirmed, and what the
 * reviewer must check (the pseudonymised text, or the regions). 404 like the item.
 */
export async function readRedaction(
  ctx: AppContext,
  actor: Actor,
  redactionId: unknown,
): Promise<RedactionView & { image?: Buffer }> {
  if (typeof redactionId !== 'string' || !/^[0-9a-f-]{36}$/.test(redactionId))
    throw new AppError('not_found', 'redaction');
  const row = await findRedaction(ctx.database.db, redactionId);
  if (row === undefined) throw new AppError('not_found', 'no such redaction');
  const { item, caseRow } = await authoriseItem(ctx, actor, row.item_id);
  return withSubjectKey(ctx, subjectOf(caseRow.id), (key) => {
    const base: RedactionView = {
      id: row.id,
      itemId: item.id,
      kind: row.kind,
      preparedBy: row.prepared_by,
      preparedAt: row.prepared_at.toISOString(),
      confirmedBy: row.confirmed_by,
      confirmedAt: row.confirmed_at?.toISOString() ?? null,
      sha256: toBuffer(row.redacted_sha256).toString('hex'),
      mediaType: item.media_type,
    };
    if (row.kind === 'image') {
      return {
        ...base,
        regions: JSON.parse(
          decryptFieldText(key, toBuffer(row.regions_enc!), regionsBind(row.id)),
        ) as Region[],
        image: decryptField(key, toBuffer(row.redacted_enc!), redactedBind(row.id)),
      };
    }
    const pseudonym = decryptFieldText(key, toBuffer(row.pseudonym_enc!), pseudonymBind(row.id));
    return { ...base, pseudonym, text: redactTestimony(originalOf(key, item), pseudonym).toString('utf8') };
  });
}

/** The redactions of an item (for its page), newest first. Callers have authorised the item. */
export async function itemRedactions(ctx: AppContext, itemId: string) {
  return (await listItemRedactions(ctx.database.db, itemId)).map((r) => ({
    id: r.id,
    kind: r.kind,
    preparedBy: r.prepared_by,
    preparedAt: r.prepared_at.toISOString(),
    confirmedBy: r.confirmed_by,
    confirmedAt: r.confirmed_at?.toISOString() ?? null,
  }));
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
  for (const r of await listConfirmedRedactions(db, [item.id], 'pseudonym')) {
    if (decryptFieldText(key, toBuffer(r.pseudonym_enc!), pseudonymBind(r.id)) !== pseudonym) continue;
    const redacted = redactTestimony(originalOf(key, item), pseudonym);
    if (sha256(redacted).equals(toBuffer(r.redacted_sha256))) return redacted;
  }
  return undefined;
}

/**
 * The newest confirmed redacted copy of a photo, used only when its bytes are still those the
 * second person confirmed (their SHA-256); undefined otherwise.
 */
export async function confirmedImageRedaction(
  db: Db,
  key: DataKey,
  item: { id: string },
): Promise<Buffer | undefined> {
  for (const r of await listConfirmedRedactions(db, [item.id], 'image')) {
    const copy = decryptField(key, toBuffer(r.redacted_enc!), redactedBind(r.id));
    if (sha256(copy).equals(toBuffer(r.redacted_sha256))) return copy;
  }
  return undefined;
}

/**
 * The photo upright and without metadata, for choosing the regions to hide: opening it is a
 * "viewed" custody event (the picture is the original's content).
 */
export async function previewForRedaction(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
): Promise<{ data: Buffer; mediaType: string }> {
  const { item } = await authoriseItem(ctx, actor, itemId);
  if (!isRedactableImage(item.media_type)) throw new AppError('not_found', 'not a photo');
  const original = await openOriginal(ctx, actor, item.id, 'opened to choose redaction regions');
  return { data: await uprightCopy(original.data, item.media_type), mediaType: item.media_type };
}

/** The upright size of a photo item, for the page that chooses regions (undefined if not a photo). */
export async function photoSize(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
): Promise<{ width: number; height: number } | undefined> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  if (!isRedactableImage(item.media_type)) return undefined;
  return imageSize(await withSubjectKey(ctx, subjectOf(caseRow.id), (key) => originalOf(key, item)));
}
