import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { CaseApplicantType } from '../../src/domain/applicant.ts';

/** A case for report tests: plaintext columns only, and its status history as [status, day] pairs. */
export interface ReportCaseSeed {
  createdOn: string;
  teamId?: string | null;
  applicantType?: CaseApplicantType;
  country?: string | null;
  /** Statuses after "new", each with the day it began; the last is the case's status. */
  history?: Array<[string, string]>;
  closingReason?: string | null;
}

/**
 * Inserts many cases at once for the reports module's tests and benchmark (no person data,
 * no keys: reports read plaintext columns only), then writes their status history exactly as
 * given (the trigger's rows for the insert are replaced), and recomputes the report summaries
 * from them as a restore does (the history was written past the triggers).
 */
export async function seedReportCases(db: Db, seeds: readonly ReportCaseSeed[]): Promise<string[]> {
  const ids = seeds.map(() => randomUUID());
  for (let start = 0; start < seeds.length; start += 2000) {
    const chunk = seeds.slice(start, start + 2000);
    await db
      .insertInto('cases')
      .values(
        chunk.map((s, i) => {
          const last = s.history?.at(-1);
          return {
            id: ids[start + i] as string,
            ref: `R-${(ids[start + i] as string).slice(0, 13)}`,
            created_on: s.createdOn,
            applicant_type: s.applicantType ?? 'soldier',
            country: s.country ?? null,
            team_id: s.teamId ?? null,
            status: last?.[0] ?? 'new',
            closing_reason: (last?.[0] === 'closed' ? (s.closingReason ?? 'other') : null) as never,
            person_enc: null,
            story_enc: null,
            urgency: 1,
          };
        }),
      )
      .execute();
    const chunkIds = ids.slice(start, start + chunk.length);
    await db.deleteFrom('case_status_history').where('case_id', 'in', chunkIds).execute();
    const history = chunk.flatMap((s, i) => {
      const steps: Array<[string, string]> = [['new', s.createdOn], ...(s.history ?? [])];
      return steps.map(([status, day], j) => ({
        case_id: chunkIds[i] as string,
        status,
        entered_on: day,
        left_on: steps[j + 1]?.[1] ?? null,
      }));
    });
    for (let h = 0; h < history.length; h += 4000) {
      await db
        .insertInto('case_status_history')
        .values(history.slice(h, h + 4000))
        .execute();
    }
  }
  await sql`select case_report_rebuild()`.execute(db);
  return ids;
}
