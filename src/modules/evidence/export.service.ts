import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  type DataKey,
  decryptField,
  decryptFieldText,
  ed25519PublicKeyFromPem,
  evidencePublicKeyPem,
  publicKeyFingerprint,
  signEvidence,
} from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import type { EvidenceDestination } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { subjectOf } from '../cases/index.ts';
import { openSubjectKey, withSubjectKey } from '../keys/index.ts';
import { type Bag, writeBag } from './bag.ts';
import type { BundleItem } from './bundle-verify.ts';
import { currentConsents, DESTINATIONS } from './consent.service.ts';
import { appendCustody, authoriseItem, custodyEventsOf, invalidFields } from './evidence.service.ts';
import { confirmedImageRedaction, confirmedRedaction, isRedactableImage } from './redaction.service.ts';
import { RECORDING_EXTENSIONS } from './recording.ts';

/**
 * Exports (issue 16 item 6, ADR 0136): a signed BagIt bag of items for one destination. Nothing
 * leaves without the witness's consent for that destination; a refusal names every item and
 * why. Each item's custody gets its "exported" event in the same transaction that builds the
 * bag, so the custody log inside the bag ends with this export.
 */
export type BlockCode =
  | 'consent'
  | 'pseudonym_missing'
  | 'not_redactable'
  | 'image_unconfirmed'
  | 'text_unconfirmed';

/** One thing standing in the way of an export: the item, why (a code the pages translate), and in English. */
export interface ExportBlock {
  itemId: string;
  code: BlockCode;
  /** For 'consent': the consent's state for this destination. */
  status?: 'refused' | 'not_asked';
  text: string;
}

export class ExportBlocked extends AppError {
  /** In English, one line per problem (machine clients, logs of the CLI). */
  readonly blocks: string[];
  readonly details: ExportBlock[];
  constructor(details: ExportBlock[]) {
    super('conflict', `export blocked: ${details.length} problem(s)`);
    this.details = details;
    this.blocks = details.map((d) => d.text);
  }
}

const exportSchema = z.object({
  destination: z.enum(DESTINATIONS),
  itemIds: z.array(z.string()).min(1).max(200),
  pseudonym: z.string().trim().max(100).optional(),
  reason: z.string().trim().min(1).max(2000),
});

const EXTENSION: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/pdf': 'pdf',
  'application/json': 'json',
  ...RECORDING_EXTENSIONS,
};

export interface ExportOptions {
  /** Overrides the configured authority (tests). */
  timestamp?: (digest: Buffer) => Promise<Buffer>;
  now?: Date;
}

/** The organisation's public evidence key (PEM), for recipients. Needs the unsealed keyring. */
export function evidencePublicKey(ctx: AppContext): string {
  return evidencePublicKeyPem(ctx.vault.requireKeyring());
}

/**
 * Builds the bag, or throws ExportBlocked naming everything that stands in the way. Only an
 * evidence officer on every item's case may export (404 otherwise).
 */
export async function exportBundle(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: ExportOptions = {},
): Promise<{ exportId: string; bag: Bag }> {
  const parsed = exportSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'export', { fields: invalidFields(parsed.error.issues) });
  }
  const { destination, pseudonym, reason } = parsed.data;
  const itemIds = [...new Set(parsed.data.itemIds)];
  const authorised: Array<Awaited<ReturnType<typeof authoriseItem>>> = [];
  for (const id of itemIds) authorised.push(await authoriseItem(ctx, actor, id, 'export'));
  const db = ctx.database.db;
  const consents = await currentConsents(db, itemIds);
  const blocks: ExportBlock[] = [];
  const block = (itemId: string, code: BlockCode, text: string, status?: 'refused' | 'not_asked') =>
    blocks.push({
      itemId,
      code,
      text: `item ${itemId}: ${text}`,
      ...(status === undefined ? {} : { status }),
    });
  const redactions = new Map<string, Buffer>();
  for (const { item, caseRow } of authorised) {
    const consent = consents.get(`${item.id}|${destination}`);
    const status = consent?.status ?? 'not_asked';
    if (status !== 'given') block(item.id, 'consent', `consent for ${destination} is "${status}"`, status);
    if (consent?.identity !== 'pseudonym') continue;
    if (isRedactableImage(item.media_type)) {
      // A photo under pseudonym-only consent leaves only as its confirmed redacted copy.
      const redacted = await withSubjectKey(ctx, subjectOf(caseRow.id), (key) =>
        confirmedImageRedaction(db, key, item),
      );
      if (redacted === undefined) {
        block(
          item.id,
          'image_unconfirmed',
          'consent is for a pseudonym only, and no redaction of this photo has been confirmed by a second person',
        );
      } else redactions.set(item.id, redacted);
    } else if (item.channel !== 'testimony') {
      block(
        item.id,
        'not_redactable',
        `consent is for a pseudonym only, and only testimony text and photos can be redacted for export (not ${item.media_type})`,
      );
    } else if (pseudonym === undefined || pseudonym === '') {
      block(item.id, 'pseudonym_missing', 'a pseudonym is needed (consent is for a pseudonym only)');
    } else {
      const redacted = await withSubjectKey(ctx, subjectOf(caseRow.id), (key) =>
        confirmedRedaction(db, key, item, pseudonym),
      );
      if (redacted === undefined) {
        block(
          item.id,
          'text_unconfirmed',
          'its redaction with this pseudonym has not been confirmed by a second person',
        );
      } else redactions.set(item.id, redacted);
    }
  }
  if (blocks.length > 0) throw new ExportBlocked(blocks);

  const keyring = ctx.vault.requireKeyring();
  const exportId = randomUUID();
  const now = options.now ?? new Date();
  const timestamp =
    options.timestamp ??
    (ctx.config.evidenceTsaUrl === undefined
      ? undefined
      : // The ASN.1 library behind tsa.ts is loaded with the first timestamp (about 0.1 s).
        async (digest: Buffer) =>
          (await import('./tsa.ts')).requestTimestamp(ctx.config.evidenceTsaUrl!, digest));
  return db.transaction().execute(async (trx) => {
    const payload: Array<[string, Buffer]> = [];
    const tags: Array<[string, Buffer]> = [];
    const listed: BundleItem[] = [];
    const keys = new Map<string, DataKey>();
    try {
      for (const { item, caseRow } of authorised) {
        let key = keys.get(caseRow.id);
        if (key === undefined) {
          key = await openSubjectKey(trx, ctx.vault, subjectOf(caseRow.id));
          keys.set(caseRow.id, key);
        }
        const consent = consents.get(`${item.id}|${destination}`)!;
        const bind = (column: string) => ({ table: 'evidence_items', column, rowId: item.id });
        const original = decryptField(key, toBuffer(item.original_enc), bind('original'));
        const redacted = consent.identity === 'pseudonym';
        const data = redacted ? redactions.get(item.id)! : original;
        const file = `data/items/${item.id}/${redacted ? 'redacted' : 'original'}.${EXTENSION[item.media_type] ?? 'txt'}`;
        payload.push([file, data]);
        await appendCustody(trx, keyring, key, {
          itemId: item.id,
          actor: actorLabel(actor),
          action: 'exported',
          reason: `export ${exportId} to ${destination}${redacted ? ` (redacted: ${item.channel === 'testimony' ? 'pseudonym' : 'image regions'})` : ''}: ${reason}`,
        });
        const events = await custodyEventsOf(trx, item.id);
        tags.push([
          `custody/${item.id}.jsonl`,
          Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8'),
        ]);
        tags.push([
          `consent/${item.id}.json`,
          Buffer.from(
            `${JSON.stringify({ itemId: item.id, destination, status: consent.status, how: consent.how, identity: consent.identity, recordedAt: consent.recordedAt, recordedBy: consent.recordedBy }, null, 2)}\n`,
            'utf8',
          ),
        ]);
        if (!redacted) {
          const metadata = decryptFieldText(key, toBuffer(item.metadata_enc), bind('metadata'));
          tags.push([`evidence/metadata/${item.id}.json`, Buffer.from(`${metadata}\n`, 'utf8')]);
        }
        listed.push({
          id: item.id,
          channel: item.channel,
          mediaType: item.media_type,
          receivedAt: item.received_at.toISOString(),
          receivedBy: item.received_by,
          sha256: toBuffer(item.sha256).toString('hex'),
          sha512: toBuffer(item.sha512).toString('hex'),
          file,
          redacted,
        });
      }
    } finally {
      for (const key of keys.values()) key.dispose();
    }
    tags.push(['evidence/items.json', Buffer.from(`${JSON.stringify(listed, null, 2)}\n`, 'utf8')]);
    const publicKeyPem = evidencePublicKeyPem(keyring);
    const bag = await writeBag({
      payload,
      tags,
      info: [
        ['Source-Organization', 'Sanctuary'],
        ['Bagging-Date', now.toISOString().slice(0, 10)],
        ['External-Identifier', exportId],
        ['Sanctuary-Destination', destination satisfies EvidenceDestination],
        ['Sanctuary-Evidence-Key', publicKeyFingerprint(ed25519PublicKeyFromPem(publicKeyPem))],
      ],
      sign: (message) => signEvidence(keyring, message),
      publicKeyPem,
      ...(timestamp === undefined ? {} : { timestamp }),
    });
    return { exportId, bag };
  });
}

/** A bag as one ZIP file (the download of the export page). */
export async function zipBag(bag: Bag): Promise<Uint8Array> {
  const { zipSync } = await import('fflate');
  const files: Record<string, Uint8Array> = {};
  for (const [name, data] of bag) files[name] = new Uint8Array(data);
  return zipSync(files, { level: 6 });
}

/** Writes a bag as a directory (for `evidence verify`, or to hand over on a medium) or a ZIP file. */
export async function writeBagTo(bag: Bag, path: string, format: 'directory' | 'zip'): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  if (format === 'zip') {
    await writeFile(path, await zipBag(bag), { mode: 0o600 });
    return;
  }
  for (const [name, data] of bag) {
    await mkdir(dirname(join(path, name)), { recursive: true, mode: 0o700 });
    await writeFile(join(path, name), data, { mode: 0o600 });
  }
}
