import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { withSubjectKey, withSubjectKeys } from '../keys/index.ts';
import { listLegacyPlaintextGrants, setGrantCiphertexts } from './break-glass.repository.ts';

/** The data key subject of a case (the case core's convention: grants use the case's key). */
const subjectOf = (caseId: string) => `case:${caseId}`;

/**
 * The free text of break-glass grants (the reason, the reviewer's note) is encrypted under
 * the case's data key, bound to its grant (issue 12, finding 8; ADR 0087): what staff write
 * about why they opened a case is as telling as the case, and it was found in clear in
 * PostgreSQL's WAL. The audit log keeps only the grant's id.
 */
export type GrantTextColumn = 'reason' | 'review_note';

const binding = (column: GrantTextColumn, grantId: string) => ({
  table: 'break_glass_grants',
  column,
  rowId: grantId,
});

/** Encrypts one grant text under the case's data key. */
export async function sealGrantText(
  ctx: AppContext,
  db: Db,
  caseId: string,
  grantId: string,
  column: GrantTextColumn,
  text: string,
): Promise<Buffer> {
  return withSubjectKey(
    ctx,
    subjectOf(caseId),
    (key) => encryptField(key, text, binding(column, grantId)),
    db,
  );
}

export interface GrantTextRow {
  id: string;
  case_id: string;
  reason: string | null;
  reason_enc: Uint8Array | null;
  review_note: string | null;
  review_note_enc: Uint8Array | null;
}

/**
 * The reason and note of each grant, decrypted with one key lookup for all their cases. A
 * grant written before ADR 0087 and not yet encrypted by the legacy job shows its plaintext;
 * one whose case key was destroyed shows an empty reason.
 */
export async function openGrantTexts(
  ctx: AppContext,
  db: Db,
  rows: readonly GrantTextRow[],
): Promise<Map<string, { reason: string; reviewNote: string | null }>> {
  return withSubjectKeys(
    ctx,
    [...new Set(rows.map((r) => subjectOf(r.case_id)))],
    (keys) => {
      const open = (
        key: DataKey | undefined,
        blob: Uint8Array | null,
        column: GrantTextColumn,
        id: string,
      ) =>
        blob === null || key === undefined
          ? null
          : decryptFieldText(key, toBuffer(blob), binding(column, id));
      return new Map(
        rows.map((r) => {
          const key = keys.get(subjectOf(r.case_id));
          return [
            r.id,
            {
              reason: open(key, r.reason_enc, 'reason', r.id) ?? r.reason ?? '',
              reviewNote: open(key, r.review_note_enc, 'review_note', r.id) ?? r.review_note,
            },
          ];
        }),
      );
    },
    db,
  );
}

/**
 * The legacy job (queued by migration 20261206T0200_free_text_encrypted): encrypts one page
 * of grants that still hold plaintext and blanks it. Returns how many it did; idempotent.
 */
export async function encryptLegacyGrantTexts(ctx: AppContext, limit = 200): Promise<number> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const rows = await listLegacyPlaintextGrants(trx, limit);
    await withSubjectKeys(
      ctx,
      [...new Set(rows.map((r) => subjectOf(r.case_id)))],
      async (keys) => {
        for (const r of rows) {
          const key = keys.get(subjectOf(r.case_id));
          // A case whose key was destroyed (erased) keeps nothing readable: its texts are blanked.
          const seal = (text: string | null, enc: Uint8Array | null, column: GrantTextColumn) =>
            enc !== null
              ? toBuffer(enc)
              : text === null || key === undefined
                ? null
                : encryptField(key, text, binding(column, r.id));
          const reasonEnc = seal(r.reason, r.reason_enc, 'reason');
          await setGrantCiphertexts(trx, r.id, {
            reason: reasonEnc === null ? '' : null,
            reason_enc: reasonEnc,
            review_note: null,
            review_note_enc: seal(r.review_note, r.review_note_enc, 'review_note'),
          });
        }
      },
      trx,
    );
    return rows.length;
  });
}
