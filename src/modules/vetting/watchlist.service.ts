import { randomUUID } from 'node:crypto';
import { type Actor, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { blindIndex, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import {
  listApprovalsForWatchlists,
  registerApprovalKind,
  requestWatchlistApproval,
} from '../case-access/index.ts';
import { createSubjectKey, openSubjectKey } from '../keys/index.ts';
import {
  BLOCK_LEVELS,
  blockingSlot,
  type ClkHardening,
  createClkEncoder,
  type EncodingHeader,
  importEncodings,
  KEYS_PER_RECORD,
  personBlockingKeys,
  RecordError,
  validateRecord,
} from '../linkage/index.ts';
import { MAX_WATCHLIST_SIGNALS, type WatchlistEntry } from './person-linkage.service.ts';
import { enqueueBackfill } from './vetting.jobs.ts';
import { canManageWatchlists, canOverseeWatchlists } from './vetting.policy.ts';
import {
  activateWatchlist,
  countWatchlistSignals,
  findWatchlist,
  insertWatchlist,
  insertWatchlistEntries,
  listAllWatchlists,
  rejectWatchlist,
  retireWatchlist,
} from './vetting.repository.ts';
import { parseLinkageSecret, watchlistFormSchema } from './vetting.schemas.ts';
import { watchlistSubject } from './vetting-keys.ts';

/**
 * Imported watchlists (a partner's or a shared list of known infiltrators), in one of two
 * formats, told apart by the first line:
 *
 * - `sanctuary-clk` encodings (docs/linkage.md, `sanctuary link --mode private` export): the
 *   list holds no readable identity. The linkage secret shared with the partner is needed to
 *   encode our own persons the same way; it is checked against the file's fingerprint and
 *   stored encrypted. Each entry's keyed blocking tokens are HMAC-ed again under our own key.
 * - plain person records (the `sanctuary link` input format): each is stored encrypted, and
 *   indexed by the same blind blocking keys as cases.
 *
 * Entries are encrypted under a data key of their own list; retiring a list deletes its
 * entries.
 *
 * One vetting officer could otherwise upload any list of people (a leaked database, say) and
 * learn which of them are applicants (issue 12, finding 9). So an import is a four-eyes
 * request (ADR 0056, kind `watchlist_import`): the list is matched against nobody until a
 * second vetting officer or a coordinator approves it, and approval queues the re-link of
 * every case. The importer declares the source (stored encrypted), lists are capped in
 * entries, and each list raises at most MAX_WATCHLIST_SIGNALS signals (ADR 0095).
 */
export const MAX_WATCHLIST_BYTES = 20 * 1024 * 1024;
export const MAX_WATCHLIST_ENTRIES = 10_000;
export { MAX_WATCHLIST_SIGNALS };

function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

function invalid(field: string, key: string, detail: string): AppError {
  return new AppError('validation_failed', detail, { fields: { [field]: key } });
}

export interface WatchlistView {
  id: string;
  label: string;
  /** The declared source (provenance). */
  source: string;
  format: 'clk' | 'plain';
  fingerprint: string | null;
  entries: number;
  importedAt: Date;
  importedBy: string;
  status: 'pending' | 'active' | 'rejected';
  approvedBy: string | null;
  approvedAt: Date | null;
  signals: number;
  retired: boolean;
  /** The pending four-eyes request, when the viewer may decide it (never the importer). */
  approvalId: string | null;
}

/** Every list with its provenance and status: for vetting officers and coordinators. */
export async function listWatchlists(ctx: AppContext, actor: Actor): Promise<WatchlistView[]> {
  requireAllowed(canOverseeWatchlists(actor), 'watchlists');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const rows = await listAllWatchlists(db);
  const ids = rows.map((r) => r.id);
  const [signals, approvals] = await Promise.all([
    countWatchlistSignals(db, ids),
    listApprovalsForWatchlists(db, ids),
  ]);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    rows.flatMap((r) => [r.imported_by, r.approved_by]),
  );
  const out: WatchlistView[] = [];
  for (const r of rows) {
    const key = await openSubjectKey(db, ctx.vault, watchlistSubject(r.id));
    const text = (column: string, blob: Uint8Array | null) =>
      blob === null
        ? ''
        : decryptFieldText(key, toBuffer(blob), { table: 'watchlists', column, rowId: r.id });
    const pending = approvals.find((a) => a.watchlist_id === r.id && a.status === 'pending');
    try {
      out.push({
        id: r.id,
        label: text('label', r.label_enc),
        source: text('source', r.source_enc),
        format: r.format,
        fingerprint: r.fingerprint,
        entries: r.entries,
        importedAt: r.imported_at,
        importedBy: r.imported_by === null ? '?' : (labels.get(r.imported_by) ?? '?'),
        status: r.status,
        approvedBy: r.approved_by === null ? null : (labels.get(r.approved_by) ?? '?'),
        approvedAt: r.approved_at,
        signals: signals.get(r.id) ?? 0,
        retired: r.retired_at !== null,
        approvalId:
          pending !== undefined && pending.requested_by !== staff.id && r.retired_at === null
            ? pending.id
            : null,
      });
    } finally {
      key.dispose();
    }
  }
  return out;
}

interface ParsedList {
  format: 'clk' | 'plain';
  header?: EncodingHeader;
  entries: Array<{ entry: WatchlistEntry; keys: Array<{ slot: number; text: string }> }>;
}

function lineLabel(n: number): string {
  return `line ${n}`;
}

/** Parses a watchlist file; a bad line is reported with its number and nothing is stored. */
function parseWatchlist(text: string, secret: Buffer | undefined): ParsedList {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw invalid('file', 'vetting.watchlist.error_empty', 'empty watchlist');
  let head: unknown;
  try {
    head = JSON.parse(lines[first]!);
  } catch {
    throw invalid('file', 'vetting.watchlist.error_line', `${lineLabel(first + 1)}: not JSON`);
  }
  if (
    typeof head === 'object' &&
    head !== null &&
    (head as { format?: unknown }).format === 'sanctuary-clk'
  ) {
    if (secret === undefined) throw invalid('secret', 'vetting.watchlist.error_secret', 'no linkage secret');
    const header = head as EncodingHeader;
    const hardening = header.hardening;
    if (!['none', 'xor-fold', 'balance'].includes(hardening) || typeof header.bits !== 'number') {
      throw invalid('file', 'vetting.watchlist.error_line', 'bad header');
    }
    const bits =
      hardening === 'xor-fold' ? header.bits * 2 : hardening === 'balance' ? header.bits / 2 : header.bits;
    let encoder: ReturnType<typeof createClkEncoder>;
    try {
      encoder = createClkEncoder(secret, { bits, hardening: hardening as ClkHardening });
    } catch {
      throw invalid('file', 'vetting.watchlist.error_line', 'bad header parameters');
    }
    if (encoder.fingerprint !== header.fingerprint) {
      throw invalid('secret', 'vetting.watchlist.error_fingerprint', 'fingerprint mismatch');
    }
    let records: ReturnType<typeof importEncodings>;
    try {
      records = importEncodings(lines, encoder.fingerprint);
    } catch (error) {
      const line = error instanceof Error ? /^line (\d+)/.exec(error.message)?.[1] : undefined;
      throw invalid(
        'file',
        'vetting.watchlist.error_line',
        `${line === undefined ? 'file' : lineLabel(Number(line))}: not an encoding`,
      );
    }
    if (records.length > MAX_WATCHLIST_ENTRIES)
      throw invalid('file', 'vetting.watchlist.error_entries', 'too many entries');
    return {
      format: 'clk',
      header,
      entries: records.map((r) => {
        const bytes = Buffer.from(r.bits.buffer, r.bits.byteOffset, r.bits.byteLength);
        const blocks = r.blockingTokens.map((b) => String(b).slice(0, 64));
        return {
          entry: { ref: r.id.slice(0, 200), clk: bytes.toString('base64'), blocks },
          // Tokens come level after level, KEYS_PER_RECORD per level (a version 1 file's are
          // spread to that layout on import, keys 7 and 8 left empty); the app indexes every
          // key at every level (its slots).
          keys: blocks
            .map((t, i) => ({ k: i % KEYS_PER_RECORD, level: Math.floor(i / KEYS_PER_RECORD), text: t }))
            .filter((x) => x.text !== '' && x.level < BLOCK_LEVELS)
            .map((x) => ({ slot: blockingSlot(x.k, x.level), text: x.text })),
        };
      }),
    };
  }
  const entries: ParsedList['entries'] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let record: ReturnType<typeof validateRecord>;
    try {
      record = validateRecord(JSON.parse(line));
    } catch (error) {
      const what = error instanceof RecordError ? 'not a person record' : 'not JSON';
      throw invalid('file', 'vetting.watchlist.error_line', `${lineLabel(i + 1)}: ${what}`);
    }
    if (entries.length >= MAX_WATCHLIST_ENTRIES)
      throw invalid('file', 'vetting.watchlist.error_entries', 'too many entries');
    const { id, ...rest } = record;
    entries.push({ entry: { ref: id, record: rest }, keys: personBlockingKeys(record) });
  }
  if (entries.length === 0) throw invalid('file', 'vetting.watchlist.error_empty', 'no records');
  return { format: 'plain', entries };
}

/** The line number of a watchlist error, for the page (from the log detail; never the line's content). */
export function watchlistErrorLine(error: AppError): number | undefined {
  const n = /^line (\d+)/.exec(error.message)?.[1];
  return n === undefined ? undefined : Number(n);
}

/**
 * Imports a watchlist file, as a request for a second person's approval (ADR 0095): stored,
 * but matched against nobody until approved. All or nothing: a bad line refuses the whole
 * file, with the line number. The file's content is never logged or written unencrypted.
 */
export async function importWatchlist(
  ctx: AppContext,
  actor: Actor,
  input: { label: unknown; source: unknown; secret: unknown; file: Buffer | undefined; truncated: boolean },
): Promise<{ id: string; entries: number; approvalId: string }> {
  requireAllowed(canManageWatchlists(actor), 'watchlist import');
  const staff = staffOnly(actor);
  const keyring = ctx.vault.requireKeyring();
  const form = watchlistFormSchema.safeParse({
    label: input.label,
    source: input.source,
    secret: input.secret ?? '',
  });
  if (!form.success) {
    const fields: Record<string, string> = {};
    for (const issue of form.error.issues) fields[String(issue.path[0] ?? 'form')] = issue.message;
    throw new AppError('validation_failed', 'invalid watchlist form', { fields });
  }
  if (input.truncated) throw invalid('file', 'vetting.watchlist.error_size', 'file too large');
  if (input.file === undefined || input.file.length === 0) {
    throw invalid('file', 'vetting.watchlist.error_empty', 'no file');
  }
  const text = input.file.toString('utf8');
  const secret = form.data.secret === '' ? undefined : parseLinkageSecret(form.data.secret);
  if (form.data.secret !== '' && secret === undefined) {
    throw invalid('secret', 'vetting.watchlist.error_secret', 'secret not hex/base64 of 32+ bytes');
  }
  try {
    const parsed = parseWatchlist(text, secret);
    const id = randomUUID();
    const approvalId = randomUUID();
    await ctx.database.db.transaction().execute(async (trx) => {
      const key = await createSubjectKey(trx, ctx.vault, watchlistSubject(id));
      try {
        const bind = (table: string, column: string, rowId: string) => ({ table, column, rowId });
        await insertWatchlist(trx, {
          id,
          label_enc: encryptField(key, form.data.label, bind('watchlists', 'label', id)),
          format: parsed.format,
          fingerprint: parsed.header?.fingerprint ?? null,
          secret_enc:
            parsed.format === 'clk' && secret !== undefined
              ? encryptField(key, secret.toString('base64'), bind('watchlists', 'secret', id))
              : null,
          clk_bits: parsed.header?.bits ?? null,
          clk_hardening: parsed.header?.hardening ?? null,
          entries: parsed.entries.length,
          imported_by: staff.id,
          source_enc: encryptField(key, form.data.source, bind('watchlists', 'source', id)),
        });
        const rows: Array<{ id: string; watchlist_id: string; entry_enc: Uint8Array }> = [];
        const index: Array<{ entry_id: string; watchlist_id: string; key: number; value: number }> = [];
        for (const e of parsed.entries) {
          const entryId = randomUUID();
          rows.push({
            id: entryId,
            watchlist_id: id,
            entry_enc: encryptField(
              key,
              JSON.stringify(e.entry),
              bind('watchlist_entries', 'entry', entryId),
            ),
          });
          const indexName = parsed.format === 'clk' ? 'watchlist_token' : 'person_block';
          for (const k of e.keys) {
            index.push({
              entry_id: entryId,
              watchlist_id: id,
              key: k.slot,
              value: blindIndex(keyring, indexName, k.text),
            });
          }
        }
        await insertWatchlistEntries(trx, rows, index);
      } finally {
        key.dispose();
      }
      await requestWatchlistApproval(trx, {
        id: approvalId,
        kind: 'watchlist_import',
        requestedBy: staff.id,
        watchlistId: id,
      });
      await recordAudit(trx, {
        actor: staff.id,
        action: 'vetting.watchlist_import',
        target: `watchlist:${id}`,
        reason: `${parsed.format}, ${parsed.entries.length} entries, pending approval ${approvalId}`,
      });
    });
    return { id, entries: parsed.entries.length, approvalId };
  } finally {
    secret?.fill(0);
  }
}

/** Retires a watchlist: its entries and index are deleted; signals keep their explanation. */
export async function retireWatchlistById(
  ctx: AppContext,
  actor: Actor,
  watchlistId: unknown,
): Promise<void> {
  requireAllowed(canManageWatchlists(actor), 'watchlist retire');
  const staff = staffOnly(actor);
  if (typeof watchlistId !== 'string' || !/^[0-9a-f-]{36}$/.test(watchlistId)) {
    throw new AppError('not_found', 'malformed watchlist id');
  }
  await ctx.database.db.transaction().execute(async (trx) => {
    const list = await findWatchlist(trx, watchlistId);
    if (list === undefined || list.retired_at !== null) throw new AppError('not_found', 'no such watchlist');
    await retireWatchlist(trx, list.id);
    await recordAudit(trx, {
      actor: staff.id,
      action: 'vetting.watchlist_retire',
      target: `watchlist:${list.id}`,
    });
  });
}

/**
 * The second pair of eyes on an import, through the one approval system (ADR 0056): another
 * vetting officer or a coordinator. Approving activates the list and queues the re-link of
 * every case against it; rejecting deletes its entries and secret.
 */
registerApprovalKind('watchlist_import', {
  canDecide: canOverseeWatchlists,
  async decide(_ctx, trx, approval, decision, deciderId) {
    const list = approval.watchlist_id === null ? undefined : await findWatchlist(trx, approval.watchlist_id);
    if (list === undefined) throw new AppError('not_found', 'no such watchlist');
    if (decision === 'reject') {
      await rejectWatchlist(trx, list.id);
    } else {
      if (!(await activateWatchlist(trx, list.id, deciderId))) {
        throw new AppError('conflict', 'watchlist no longer pending');
      }
      await enqueueBackfill(trx);
    }
    return `watchlist:${list.id}`;
  },
});
