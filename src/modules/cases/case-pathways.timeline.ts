import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { getStaffEmailLabels } from '../auth/staff.service.ts';
import { openSubjectKey } from '../keys/keys.service.ts';
import { listPathwayChecks, type PathwayCheckRow } from './case-pathways.repository.ts';
import { type StoredCheck, storedCheckSchema } from './case-pathways.schemas.ts';
import type { TimelineItem } from './cases.service.ts';

/**
 * Saved pathway checks as timeline entries. The payload is decrypted with the case key (AAD
 * case_pathway_checks|payload|id) and parsed strictly: a payload that does not parse is shown as
 * unreadable rather than trusted.
 */
export interface PathwayCheckView {
  id: string;
  contentVersion: string;
  evaluatedOn: string;
  /** Null when the payload could not be parsed (an older or damaged record). */
  check: StoredCheck | null;
}

export function decryptPathwayCheck(key: DataKey, row: PathwayCheckRow): PathwayCheckView {
  const text = decryptFieldText(key, toBuffer(row.payload_enc), {
    table: 'case_pathway_checks',
    column: 'payload',
    rowId: row.id,
  });
  let parsed: StoredCheck | null = null;
  try {
    const result = storedCheckSchema.safeParse(JSON.parse(text));
    parsed = result.success ? result.data : null;
  } catch {
    parsed = null;
  }
  return { id: row.id, contentVersion: row.content_version, evaluatedOn: row.evaluated_on, check: parsed };
}

/**
 * Adds a case's saved pathway checks to its timeline (in place, kept in sequence order). The
 * caller has already authorised content access and audited the read (getCaseFile).
 */
export async function addPathwayChecksToTimeline(
  ctx: AppContext,
  db: Db,
  caseRow: { id: string; ref: string },
  timeline: TimelineItem[],
): Promise<void> {
  const rows = await listPathwayChecks(db, caseRow.id);
  if (rows.length === 0) return;
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    rows.map((r) => r.author_id),
  );
  const key = await openSubjectKey(db, ctx.vault, `case:${caseRow.id}`);
  try {
    for (const r of rows) {
      timeline.push({
        kind: 'pathways',
        seq: Number(r.seq),
        at: r.at,
        by: r.author_id === null ? null : (labels.get(r.author_id) ?? null),
        caseRef: caseRow.ref,
        check: decryptPathwayCheck(key, r),
      });
    }
  } finally {
    key.dispose();
  }
  timeline.sort((a, b) => a.seq - b.seq);
}
