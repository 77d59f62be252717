import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  type DataKey,
  decryptField,
  decryptFieldText,
  encryptField,
  type Keyring,
  sha256,
  sha512,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CaseRow, CustodyAction, EvidenceChannel } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { auditTrust, findAuditEntriesForTarget, recordAudit, signAuditRecord } from '../audit/index.ts';
import {
  actorFacts,
  authoriseCase,
  caseFacts,
  findCaseById,
  findCaseByRef,
  uuidSchema,
} from '../case-access/index.ts';
import { listApplicantVisibleMessages, subjectOf } from '../cases/index.ts';
import type { UploadArrivalObserver } from '../intake/index.ts';
import { openSubjectKey, withSubjectKey } from '../keys/index.ts';
import {
  CUSTODY_DOMAIN,
  CUSTODY_GENESIS,
  type CustodyEvent,
  checkCustodyChain,
  custodySignedParts,
  hashCustodyEvent,
} from './custody-chain.ts';
import { canExportEvidence, canHandleEvidence } from './evidence.policy.ts';
import {
  findItem,
  findItemBySource,
  findLastCustody,
  insertCustody,
  insertItem,
  listAllItemIds,
  listCaseItems,
  listCustody,
  listItemSources,
  lockItemForCustody,
} from './evidence.repository.ts';
import { readMetadata } from './metadata.ts';
import { RECORDING_EXTENSIONS, sniffRecording } from './recording.ts';

/** Zod issues as the field errors a form shows (each field: "field.invalid"). */
export function invalidFields(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>,
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) fields[String(issue.path[0] ?? 'form')] = 'field.invalid';
  return fields;
}

/**
 * Evidence items and their custody (ADRs 0134, 0135). An item is the exact bytes that
 * arrived (hashed with SHA-256 and SHA-512 before anything touched them), kept untouched and
 * encrypted under the case key apart from every working copy, with the metadata that came
 * with them and who received them, when and through which channel. Every act on an item is
 * a custody event, chained and signed; `verifyCustody` walks it from arrival to now.
 */

const bind = (column: string, rowId: string) => ({ table: 'evidence_items', column, rowId });
const reasonBind = (itemId: string, seq: number) => ({
  table: 'evidence_custody',
  column: 'reason',
  rowId: `${itemId}:${seq}`,
});

/** Applicant arrival times are kept to the day (DESIGN.md §2.3); staff acts to the second. */
function receivedAt(receivedBy: string, now: Date): Date {
  if (receivedBy !== 'applicant') return now;
  return new Date(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`);
}

/**
 * Appends one custody event in the caller's transaction: the item is locked, the event
 * chained to the previous one, signed with the audit key, and mirrored in the audit log
 * (which holds ids and the action only), so the audit log's checkpoints also count it.
 */
export async function appendCustody(
  trx: Db,
  keyring: Keyring,
  key: DataKey,
  event: { itemId: string; actor: string; action: CustodyAction; reason?: string | null; at?: Date },
): Promise<void> {
  const item = await lockItemForCustody(trx, event.itemId);
  if (item === undefined) throw new AppError('not_found', 'no such evidence item');
  const last = await findLastCustody(trx, event.itemId);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last === undefined ? CUSTODY_GENESIS : toBuffer(last.hash);
  const at = event.at ?? new Date();
  const reasonEnc =
    event.reason === undefined || event.reason === null || event.reason.trim() === ''
      ? null
      : encryptField(key, event.reason.slice(0, 2000), reasonBind(event.itemId, seq));
  const fields = {
    seq,
    at: at.toISOString(),
    actor: event.actor.slice(0, 100),
    action: event.action,
    itemSha256: toBuffer(item.sha256).toString('hex'),
    reasonSha256: reasonEnc === null ? null : sha256(reasonEnc).toString('hex'),
  };
  const hash = hashCustodyEvent(event.itemId, prevHash, fields);
  const signed = signAuditRecord(
    keyring,
    CUSTODY_DOMAIN,
    custodySignedParts(event.itemId, seq, hash.toString('hex')),
  );
  await insertCustody(trx, {
    item_id: event.itemId,
    seq,
    at,
    actor: fields.actor,
    action: event.action,
    reason_enc: reasonEnc,
    item_sha256: toBuffer(item.sha256),
    prev_hash: prevHash,
    hash,
    key_id: signed.keyId,
    public_key: signed.publicKey,
    signature: signed.signature,
  });
  await recordAudit(trx, {
    actor: fields.actor,
    action: `evidence.${event.action}`,
    target: `evidence:${event.itemId}`,
  });
}

/** Stores a new item and its "received" event, in the caller's transaction. */
async function storeItem(
  trx: Db,
  keyring: Keyring,
  key: DataKey,
  item: {
    caseId: string;
    channel: EvidenceChannel;
    sourceId: string | null;
    mediaType: string;
    name: string;
    original: Buffer;
    digests: { sha256: Buffer; sha512: Buffer };
    metadata: unknown;
    receivedBy: string;
    reason?: string;
  },
): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await insertItem(trx, {
    id,
    case_id: item.caseId,
    channel: item.channel,
    source_id: item.sourceId,
    media_type: item.mediaType,
    size_bytes: item.original.length,
    sha256: item.digests.sha256,
    sha512: item.digests.sha512,
    received_by: item.receivedBy,
    received_at: receivedAt(item.receivedBy, now),
    name_enc: encryptField(key, item.name, bind('name', id)),
    metadata_enc: encryptField(key, JSON.stringify(item.metadata), bind('metadata', id)),
    original_enc: encryptField(key, item.original, bind('original', id)),
  });
  await appendCustody(trx, keyring, key, {
    itemId: id,
    actor: item.receivedBy,
    action: 'received',
    reason: item.reason ?? null,
    at: receivedAt(item.receivedBy, now),
  });
  return id;
}

/** Hashes of the exact bytes (the arrival hashes). */
export function digestsOf(data: Buffer): { sha256: Buffer; sha512: Buffer } {
  return { sha256: sha256(data), sha512: sha512(data) };
}

/**
 * The upload hook (registered with the intake module when this module is mounted): hashes
 * the bytes the moment they arrive, keeps a private copy of them (the upload checks and the
 * stripping never see this copy), and, when the upload is kept as evidence, stores the item
 * in the upload's own transaction.
 */
export function evidenceUploadObserver(ctx: AppContext): UploadArrivalObserver {
  return (data) => {
    const original = Buffer.from(data);
    const digests = digestsOf(original);
    return async (trx, arrival) => {
      const metadata = await readMetadata(original, arrival.type);
      await storeItem(trx, ctx.vault.requireKeyring(), arrival.key, {
        caseId: arrival.caseId,
        channel: arrival.channel,
        sourceId: arrival.attachmentId,
        mediaType: arrival.type,
        name: arrival.fileName,
        original,
        digests,
        metadata,
        receivedBy: arrival.receivedBy,
      });
    };
  };
}

/**
 * A recorded interview (audio or video) kept as an evidence item exactly as it arrived: hashed
 * first, typed by its magic bytes, never transcoded or parsed, no larger than the configured
 * limit. For whoever may handle the case's evidence (404 otherwise); nothing is written when
 * it is refused.
 */
export async function addRecording(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  upload: { data: Buffer; fileName: string | undefined; truncated: boolean },
): Promise<{ id: string }> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  const digests = digestsOf(upload.data);
  if (upload.truncated || upload.data.length > ctx.config.evidenceRecordingMaxBytes) {
    throw new AppError('payload_too_large', 'recording too large', {
      fields: { file: 'evidence.error.file' },
    });
  }
  const mediaType = sniffRecording(upload.data);
  if (mediaType === undefined) {
    throw new AppError('unsupported_media_type', 'not a recording', {
      fields: { file: 'evidence.error.file' },
    });
  }
  const keyring = ctx.vault.requireKeyring();
  const name = (upload.fileName ?? '').trim().slice(0, 200) || `interview.${RECORDING_EXTENSIONS[mediaType]}`;
  return ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(row.id),
      async (key) => ({
        id: await storeItem(trx, keyring, key, {
          caseId: row.id,
          channel: 'interview',
          sourceId: null,
          mediaType,
          name,
          original: upload.data,
          digests,
          metadata: {},
          receivedBy: actorLabel(actor),
        }),
      }),
      trx,
    ),
  );
}

/** Stores a confirmed testimony version (or another text the module made) as an item. */
export async function storeTextItem(
  ctx: AppContext,
  trx: Db,
  key: DataKey,
  item: {
    caseId: string;
    channel: EvidenceChannel;
    sourceId: string;
    name: string;
    text: string;
    receivedBy: string;
  },
): Promise<string> {
  const original = Buffer.from(item.text, 'utf8');
  return storeItem(trx, ctx.vault.requireKeyring(), key, {
    caseId: item.caseId,
    channel: item.channel,
    sourceId: item.sourceId,
    mediaType: item.channel === 'testimony' ? 'application/json' : 'text/plain; charset=utf-8',
    name: item.name,
    original,
    digests: digestsOf(original),
    metadata: {},
    receivedBy: item.receivedBy,
  });
}

/** The case an actor may handle evidence of, by reference (404 otherwise). */
export async function authoriseEvidenceCase(ctx: AppContext, actor: Actor, ref: unknown): Promise<CaseRow> {
  const db = ctx.database.db;
  let row: CaseRow;
  try {
    row = (await authoriseCase(db, actor, ref, 'metadata')).row;
  } catch (error) {
    // An evidence officer has no case access of their own: decide with the evidence policy.
    if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
    const found = typeof ref === 'string' ? await findCaseByRef(db, ref) : undefined;
    if (found === undefined) throw error;
    row = found;
  }
  requireAllowed(canHandleEvidence(actor, caseFacts(row), await actorFacts(db, actor, row.id)), 'evidence');
  return row;
}

/** The case (by id) of a record the actor wants to handle: 404 unless the evidence policy allows it. */
export async function authoriseItemCase(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  need: 'handle' | 'export' = 'handle',
): Promise<CaseRow> {
  const db = ctx.database.db;
  const row = await findCaseById(db, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  const facts = await actorFacts(db, actor, row.id);
  const allowed =
    need === 'export'
      ? canExportEvidence(actor, caseFacts(row), facts)
      : canHandleEvidence(actor, caseFacts(row), facts);
  requireAllowed(allowed, `evidence ${need}`);
  return row;
}

/** An item the actor may handle (404 for a missing one and for one they may not, alike). */
export async function authoriseItem(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  need: 'handle' | 'export' = 'handle',
) {
  const db = ctx.database.db;
  if (!uuidSchema.safeParse(itemId).success) throw new AppError('not_found', 'malformed item id');
  const item = await findItem(db, itemId as string);
  if (item === undefined) throw new AppError('not_found', 'no such evidence item');
  return { item, caseRow: await authoriseItemCase(ctx, actor, item.case_id, need) };
}

/** Captures an applicant's message as an item (the text exactly as stored, AEAD-bound since it arrived). */
export async function captureMessage(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  messageId: unknown,
): Promise<{ id: string }> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  if (!uuidSchema.safeParse(messageId).success) throw new AppError('not_found', 'malformed message id');
  const message = (await listApplicantVisibleMessages(ctx, row.id)).find(
    (m) => m.id === messageId && m.direction === 'in',
  );
  if (message === undefined) throw new AppError('not_found', 'no such applicant message');
  const db = ctx.database.db;
  const existing = await findItemBySource(db, 'applicant_message', message.id);
  if (existing !== undefined) return { id: existing.id };
  return db.transaction().execute(async (trx) =>
    withSubjectKey(
      ctx,
      subjectOf(row.id),
      async (key) => ({
        id: await storeTextItem(ctx, trx, key, {
          caseId: row.id,
          channel: 'applicant_message',
          sourceId: message.id,
          name: `message-${message.createdOn}.txt`,
          text: message.body,
          receivedBy: 'applicant',
        }),
      }),
      trx,
    ),
  );
}

/**
 * The applicant's messages of a case for the evidence page: each incoming message with the
 * evidence item it became, if it did. For whoever may handle the case's evidence (404 otherwise).
 */
export async function listMessagesForEvidence(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<Array<{ id: string; createdOn: string; body: string; itemId: string | null }>> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  const kept = new Map(
    (await listItemSources(ctx.database.db, row.id, 'applicant_message')).map((i) => [i.source_id, i.id]),
  );
  return (await listApplicantVisibleMessages(ctx, row.id))
    .filter((m) => m.direction === 'in')
    .map((m) => ({ id: m.id, createdOn: m.createdOn, body: m.body, itemId: kept.get(m.id) ?? null }));
}

/** Keeps the ticked messages of a case as evidence items (each once; 404 for one not the case's). */
export async function captureMessages(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  messageIds: unknown,
): Promise<string[]> {
  const messages = await listMessagesForEvidence(ctx, actor, ref);
  const ids = [
    ...new Set((Array.isArray(messageIds) ? messageIds : [messageIds]).filter((i) => i !== undefined)),
  ];
  if (ids.length === 0 || ids.length > 100) {
    throw new AppError('validation_failed', 'messages', { fields: { message: 'evidence.error.messages' } });
  }
  // All or nothing: one id that is not an incoming message of this case refuses the lot.
  if (!ids.every((id) => messages.some((m) => m.id === id)))
    throw new AppError('not_found', 'no such message');
  const out: string[] = [];
  for (const id of ids) out.push((await captureMessage(ctx, actor, ref, id)).id);
  return out;
}

export interface ItemSummary {
  id: string;
  channel: EvidenceChannel;
  mediaType: string;
  size: number;
  name: string;
  sha256: string;
  sha512: string;
  receivedBy: string;
  receivedAt: string;
}

/** The evidence items of a case (no file content). */
export async function listCaseEvidence(ctx: AppContext, actor: Actor, ref: unknown): Promise<ItemSummary[]> {
  const row = await authoriseEvidenceCase(ctx, actor, ref);
  const db = ctx.database.db;
  const rows = await listCaseItems(db, row.id);
  if (rows.length === 0) return [];
  return withSubjectKey(ctx, subjectOf(row.id), (key) => rows.map((r) => summaryOf(key, r)));
}

/** An item row as its summary (the name decrypted; no file content). */
function summaryOf(
  key: DataKey,
  r: Pick<
    Awaited<ReturnType<typeof listCaseItems>>[number],
    | 'id'
    | 'channel'
    | 'media_type'
    | 'size_bytes'
    | 'name_enc'
    | 'sha256'
    | 'sha512'
    | 'received_by'
    | 'received_at'
  >,
): ItemSummary {
  return {
    id: r.id,
    channel: r.channel,
    mediaType: r.media_type,
    size: r.size_bytes,
    name: decryptFieldText(key, toBuffer(r.name_enc), bind('name', r.id)),
    sha256: toBuffer(r.sha256).toString('hex'),
    sha512: toBuffer(r.sha512).toString('hex'),
    receivedBy: r.received_by,
    receivedAt: r.received_at.toISOString(),
  };
}

/** One item's summary and its case's reference (no file content, no custody event). */
export async function readItem(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
): Promise<ItemSummary & { caseRef: string }> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  return withSubjectKey(ctx, subjectOf(caseRow.id), (key) => ({
    ...summaryOf(key, item),
    caseRef: caseRow.ref,
  }));
}

/**
 * The untouched original of an item, with its metadata: a "viewed" custody event (and an
 * audit entry) is written first, in the same transaction, so nobody reads it unrecorded.
 */
export async function openOriginal(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  reason: string,
): Promise<{ name: string; mediaType: string; data: Buffer; metadata: unknown; sha256: string }> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const keyring = ctx.vault.requireKeyring();
  return ctx.database.db.transaction().execute(async (trx) => {
    const key = await openSubjectKey(trx, ctx.vault, subjectOf(caseRow.id));
    try {
      await appendCustody(trx, keyring, key, {
        itemId: item.id,
        actor: actorLabel(actor),
        action: 'viewed',
        reason,
      });
      return {
        name: decryptFieldText(key, toBuffer(item.name_enc), bind('name', item.id)),
        mediaType: item.media_type,
        data: decryptField(key, toBuffer(item.original_enc), bind('original', item.id)),
        metadata: JSON.parse(
          decryptFieldText(key, toBuffer(item.metadata_enc), bind('metadata', item.id)),
        ) as unknown,
        sha256: toBuffer(item.sha256).toString('hex'),
      };
    } finally {
      key.dispose();
    }
  });
}

const MANUAL_ACTIONS = ['copied', 'transferred', 'returned'] as const;

/** Records an act done outside Sanctuary (a copy made, a hand-over, a return), with its reason. */
export async function recordCustodyEvent(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  input: { action: unknown; reason: unknown },
): Promise<void> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const action = MANUAL_ACTIONS.find((a) => a === input.action);
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (action === undefined || reason.length === 0 || reason.length > 2000) {
    throw new AppError('validation_failed', 'custody event', {
      fields: action === undefined ? { action: 'field.invalid' } : { reason: 'field.required' },
    });
  }
  const keyring = ctx.vault.requireKeyring();
  await ctx.database.db
    .transaction()
    .execute((trx) =>
      withSubjectKey(
        ctx,
        subjectOf(caseRow.id),
        (key) =>
          appendCustody(trx, keyring, key, { itemId: item.id, actor: actorLabel(actor), action, reason }),
        trx,
      ),
    );
}

/** An item's custody as exported (reasons stay encrypted: only their hash leaves). */
export async function custodyEventsOf(db: Db, itemId: string): Promise<CustodyEvent[]> {
  return (await listCustody(db, itemId)).map((e) => ({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    itemSha256: toBuffer(e.item_sha256).toString('hex'),
    reasonSha256: e.reason_enc === null ? null : sha256(toBuffer(e.reason_enc)).toString('hex'),
    prevHash: toBuffer(e.prev_hash).toString('hex'),
    hash: toBuffer(e.hash).toString('hex'),
    publicKey: e.public_key,
    signature: e.signature,
  }));
}

/** Staff: an item's custody with the reasons decrypted. */
export async function readCustody(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
): Promise<Array<CustodyEvent & { reason: string | null }>> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const db = ctx.database.db;
  const rows = await listCustody(db, item.id);
  const events = await custodyEventsOf(db, item.id);
  return withSubjectKey(ctx, subjectOf(caseRow.id), (key) =>
    events.map((e, i) => {
      const enc = rows[i]!.reason_enc;
      return {
        ...e,
        reason: enc === null ? null : decryptFieldText(key, toBuffer(enc), reasonBind(item.id, e.seq)),
      };
    }),
  );
}

export interface CustodyVerification {
  ok: boolean;
  items: number;
  events: number;
  problems: string[];
}

/**
 * `sanctuary evidence verify` on the store: for one item or every item, the custody chain
 * from arrival to now (links, hashes, signatures by a pinned audit key when pinned), and that
 * the audit log saw as many evidence acts as the chain holds (a chain cut short and re-signed
 * would need the audit log rewritten too, which its own checkpoints catch). Needs no key.
 */
export async function verifyCustody(
  ctx: AppContext,
  options: { itemId?: string } = {},
): Promise<CustodyVerification> {
  const db = ctx.database.db;
  const trusted = auditTrust(
    ctx.config.audit,
    ctx.vault.sealed ? undefined : ctx.vault.requireKeyring(),
  ).fingerprints;
  let items = await listAllItemIds(db);
  if (options.itemId !== undefined) {
    items = items.filter((i) => i.id === options.itemId);
    if (items.length === 0)
      return { ok: false, items: 0, events: 0, problems: [`no evidence item ${options.itemId}`] };
  }
  const problems: string[] = [];
  let events = 0;
  for (const item of items) {
    const chain = await custodyEventsOf(db, item.id);
    events += chain.length;
    problems.push(...checkCustodyChain(item.id, toBuffer(item.sha256).toString('hex'), chain, trusted));
    const audited = (await findAuditEntriesForTarget(db, `evidence:${item.id}`, 1_000_000)).filter((a) =>
      a.action.startsWith('evidence.'),
    );
    if (audited.length !== chain.length) {
      problems.push(
        `item ${item.id}: the audit log records ${audited.length} custody acts, the custody record holds ${chain.length} (events removed or added outside Sanctuary)`,
      );
    }
  }
  return { ok: problems.length === 0, items: items.length, events, problems };
}
