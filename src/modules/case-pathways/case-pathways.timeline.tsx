import { type DataKey, decryptFieldText } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  type ExtensionTimelineBase,
  registerCasePageLink,
  registerTimelineSource,
  type TimelineSource,
} from '../cases/index.ts';
import { PathwayCheckEntry } from './case-pathways.entry.tsx';
import { casePathwaysMessages } from './case-pathways.messages.ts';
import { listPathwayChecks, type PathwayCheckRow } from './case-pathways.repository.ts';
import { type StoredCheck, storedCheckSchema } from './case-pathways.schemas.ts';

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

declare module '../cases/case-extensions.ts' {
  interface TimelineExtensions {
    /** A saved pathway check on the case timeline. */
    pathways: ExtensionTimelineBase & { kind: 'pathways'; check: PathwayCheckView };
  }
}

/**
 * Saved pathway checks on the case timeline, registered with the case core (which never
 * imports this module): the case page reads the rows, looks their authors up with the rest of
 * its labels, and hands over the case key it has already opened. The caller has authorised
 * content access and audits the read (getCasePage).
 */
export const pathwayChecksTimeline: TimelineSource<PathwayCheckRow> = {
  name: 'pathways',
  load: (db: Db, caseId: string) => listPathwayChecks(db, caseId),
  staffIds: (rows) => rows.map((r) => r.author_id),
  items: (key, rows, label, caseRef) =>
    rows.map((r) => ({
      kind: 'pathways',
      seq: Number(r.seq),
      at: r.at,
      by: label(r.author_id),
      caseRef,
      check: decryptPathwayCheck(key, r),
    })),
  render: (locale, item) =>
    item.kind !== 'pathways' ? null : (
      <PathwayCheckEntry locale={locale} caseRef={item.caseRef} by={item.by} at={item.at} view={item.check} />
    ),
};

/** The "check pathways" link among the case page's actions. */
function checkPathwaysLink(locale: Locale, caseBase: string) {
  return (
    <a href={`${caseBase}/pathways?lang=${locale}`}>{casePathwaysMessages(locale, 'case_pathways.link')}</a>
  );
}

// Registered when this module loads (the app mounts its routes; its services import this file).
registerTimelineSource(pathwayChecksTimeline);
registerCasePageLink(checkPathwaysLink);
