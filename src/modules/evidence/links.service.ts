import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { blindIndex, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import type { EvidenceChannel } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { caseFacts, findCaseById, scopeContext, uuidSchema } from '../case-access/index.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey, withSubjectKeys } from '../keys/index.ts';
import { canHandleEvidence, canListLinks } from './evidence.policy.ts';
import { authoriseItem } from './evidence.service.ts';
import { deleteLink, findLink, findLinkCandidates, insertLink, listItemLinks } from './links.repository.ts';

/**
 * Links from evidence items to the units and commanders named in them, and the list across
 * cases of the items that name one (issue 16 item 7, ADR 0199). A name is encrypted under its
 * case's key; the database holds only a truncated keyed digest of it (the `evidence_link`
 * blind index), whose bucket gives candidates. The list keeps the candidates of the cases the
 * reader may open (the evidence policy, case by case: need-to-know, the evidence officer's
 * assignment, break-glass; restricted cases only inside their team) and only then decrypts and
 * compares their names, so an item outside the reader's scope is neither decrypted, listed
 * nor counted.
 */

export const LINK_KINDS = ['unit', 'commander'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
const MAX_NAME = 200;

/** The form of a name that decides "the same unit": NFKC, lower case, ё as е, letters and digits only. */
export function normaliseLinkName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const nameBind = (id: string) => ({ table: 'evidence_links', column: 'name', rowId: id });
const itemNameBind = (id: string) => ({ table: 'evidence_items', column: 'name', rowId: id });

/** A kind and a name from a form, checked (field errors otherwise). */
function parseLink(input: { kind: unknown; name: unknown }): { kind: LinkKind; name: string; norm: string } {
  const kind = LINK_KINDS.find((k) => k === input.kind);
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const norm = normaliseLinkName(name);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const badName = norm === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name);
  if (kind === undefined || badName) {
    throw new AppError('validation_failed', 'link', {
      fields: {
        ...(kind === undefined ? { kind: 'field.invalid' } : {}),
        ...(badName ? { name: 'evidence.links.error.name' } : {}),
      },
    });
  }
  return { kind, name, norm };
}

function nameIndex(ctx: AppContext, kind: LinkKind, norm: string): number {
  return blindIndex(ctx.vault.requireKeyring(), 'evidence_link', `${kind}:${norm}`);
}

export interface LinkView {
  id: string;
  kind: LinkKind;
  name: string;
}

/** The units and commanders an item names (for whoever may handle the item; 404 otherwise). */
export async function itemLinks(ctx: AppContext, actor: Actor, itemId: unknown): Promise<LinkView[]> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const rows = await listItemLinks(ctx.database.db, item.id);
  if (rows.length === 0) return [];
  return withSubjectKey(ctx, subjectOf(caseRow.id), (key) =>
    rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: decryptFieldText(key, toBuffer(r.name_enc), nameBind(r.id)),
    })),
  );
}

/**
 * Links an item to a unit or commander it names: idempotent (the same kind and normalised name
 * on the same item is the existing link), audited without the name.
 */
export async function addLink(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  input: { kind: unknown; name: unknown },
): Promise<{ id: string }> {
  const { item, caseRow } = await authoriseItem(ctx, actor, itemId);
  const link = parseLink(input);
  const existing = (await itemLinks(ctx, actor, item.id)).find(
    (l) => l.kind === link.kind && normaliseLinkName(l.name) === link.norm,
  );
  if (existing !== undefined) return { id: existing.id };
  const id = randomUUID();
  const index = nameIndex(ctx, link.kind, link.norm);
  await ctx.database.db.transaction().execute((trx) =>
    withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      async (key) => {
        await insertLink(trx, {
          id,
          item_id: item.id,
          case_id: caseRow.id,
          kind: link.kind,
          name_index: index,
          name_enc: encryptField(key, link.name, nameBind(id)),
          created_by: actorLabel(actor),
          created_at: new Date(),
        });
        await recordAudit(trx, {
          actor: actorLabel(actor),
          action: 'evidence_link.added',
          target: `evidence:${item.id}`,
          reason: link.kind,
        });
      },
      trx,
    ),
  );
  return { id };
}

/** Removes a link (a wrong name must not stay): for whoever may handle its item; audited. */
export async function removeLink(
  ctx: AppContext,
  actor: Actor,
  itemId: unknown,
  linkId: unknown,
): Promise<void> {
  const link = await authoriseLink(ctx, actor, linkId);
  if (link.item_id !== itemId) throw new AppError('not_found', 'a link of another item');
  await ctx.database.db.transaction().execute(async (trx) => {
    if (!(await deleteLink(trx, link.id))) throw new AppError('not_found', 'no such link');
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'evidence_link.removed',
      target: `evidence:${link.item_id}`,
      reason: link.kind,
    });
  });
}

/** A link whose item the actor may handle (404 for a missing one and for one they may not, alike). */
async function authoriseLink(ctx: AppContext, actor: Actor, linkId: unknown) {
  if (!uuidSchema.safeParse(linkId).success) throw new AppError('not_found', 'malformed link id');
  const link = await findLink(ctx.database.db, linkId as string);
  if (link === undefined) throw new AppError('not_found', 'no such link');
  await authoriseItem(ctx, actor, link.item_id);
  return link;
}

export interface LinkedItem {
  caseRef: string;
  itemId: string;
  itemName: string;
  channel: EvidenceChannel;
  receivedOn: string;
  /** The name as written on this item. */
  name: string;
}

export interface LinkedList {
  kind: LinkKind;
  name: string;
  items: LinkedItem[];
  cases: number;
}

/**
 * The items across cases that name one unit or commander, within the reader's access: the
 * candidates of the name's blind-index bucket are kept only for the cases the evidence policy
 * lets this reader open (decided per case with the reader's teams and break-glass grants), and
 * only those are decrypted and compared. Nothing about the other candidates reaches the
 * result, not even their number. Audited (the kind and the number shown, never the name).
 */
export async function listLinked(
  ctx: AppContext,
  actor: Actor,
  input: { kind: unknown; name: unknown },
): Promise<LinkedList> {
  requireAllowed(canListLinks(actor), 'evidence links');
  const wanted = parseLink(input);
  const db = ctx.database.db;
  const candidates = await findLinkCandidates(db, wanted.kind, nameIndex(ctx, wanted.kind, wanted.norm));
  const scope = await scopeContext(db, actor);
  const refs = new Map<string, string>();
  for (const caseId of new Set(candidates.map((c) => c.case_id))) {
    const row = await findCaseById(db, caseId);
    if (row === undefined) continue;
    const facts = { ...scope.facts, breakGlass: scope.grants.has(row.id) };
    if (canHandleEvidence(actor, caseFacts(row), facts)) refs.set(row.id, row.ref);
  }
  const visible = candidates.filter((c) => refs.has(c.case_id));
  const items: LinkedItem[] =
    refs.size === 0
      ? []
      : await withSubjectKeys(ctx, [...refs.keys()].map(subjectOf), (keys) =>
          visible.flatMap((c): LinkedItem[] => {
            const key = keys.get(subjectOf(c.case_id));
            if (key === undefined) return []; // an erased case: its names are gone with its key
            const name = decryptFieldText(key, toBuffer(c.name_enc), nameBind(c.id));
            if (normaliseLinkName(name) !== wanted.norm) return [];
            return [
              {
                caseRef: refs.get(c.case_id)!,
                itemId: c.item_id,
                itemName: decryptFieldText(key, toBuffer(c.item_name_enc), itemNameBind(c.item_id)),
                channel: c.channel,
                receivedOn: c.received_at.toISOString().slice(0, 10),
                name,
              },
            ];
          }),
        );
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'evidence_link.listed',
    target: 'evidence-links',
    reason: `${wanted.kind}: ${items.length}`,
  });
  return { kind: wanted.kind, name: wanted.name, items, cases: new Set(items.map((i) => i.caseRef)).size };
}

/** The list for the unit or commander of one link the reader may see (404 otherwise). */
export async function listLinkedFrom(ctx: AppContext, actor: Actor, linkId: unknown): Promise<LinkedList> {
  const link = await authoriseLink(ctx, actor, linkId);
  const name = await withSubjectKey(ctx, subjectOf(link.case_id), (key) =>
    decryptFieldText(key, toBuffer(link.name_enc), nameBind(link.id)),
  );
  return listLinked(ctx, actor, { kind: link.kind, name });
}
