import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { type DataKey, encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { ApplicantType, CaseEventsTable } from '../../db/types.ts';
import { emitCaseActivity } from './case-activity.ts';

/**
 * New cases for the intake module's group-committed batches (ADR 0040, 0043): the rows of a
 * case are sealed here, outside any transaction, with a fresh case key the caller made through
 * the keys module; a whole batch of them is inserted in the caller's transaction with one
 * statement. The case core owns these columns and their encryption bindings; intake never
 * writes `cases` or `case_events` itself.
 */
export interface SealedNewCase {
  caseRow: {
    id: string;
    ref: string;
    urgency: number;
    applicant_type: ApplicantType;
    country: string | null;
    person_enc: Uint8Array;
    story_enc: Uint8Array;
    intake_enc: Uint8Array;
  };
  eventRow: {
    id: string;
    case_id: string;
    kind: CaseEventsTable['kind'];
    actor_id: string | null;
    detail_enc: Uint8Array | null;
  };
}

/** Seals a new case's fields with its key (exactly as createCase stores them) and its "created" event. */
export function sealNewCase(
  key: DataKey,
  c: {
    id: string;
    ref: string;
    urgency: number;
    applicantType: ApplicantType;
    country: string | null;
    /** The person record as stored (JSON). */
    person: Buffer | string;
    story: string;
    answers: Record<string, string>;
  },
): SealedNewCase {
  const bind = (column: string) => ({ table: 'cases', column, rowId: c.id });
  return {
    caseRow: {
      id: c.id,
      ref: c.ref,
      urgency: c.urgency,
      applicant_type: c.applicantType,
      country: c.country,
      person_enc: encryptField(key, c.person, bind('person')),
      story_enc: encryptField(key, c.story, bind('story')),
      intake_enc: encryptField(key, JSON.stringify(c.answers), bind('intake')),
    },
    eventRow: { id: randomUUID(), case_id: c.id, kind: 'created', actor_id: null, detail_enc: null },
  };
}

/**
 * Inserts sealed new cases and their "created" events in one statement, in the caller's
 * transaction: each table's rows arrive as one array per column and are unpacked by
 * `unnest`, so the statement's text never changes whatever the batch size, and the event's
 * foreign key to its case is checked at the end of the statement.
 */
export async function insertNewCases(trx: Db, rows: readonly SealedNewCase[]): Promise<void> {
  if (rows.length === 0) return;
  const c = rows.map((r) => r.caseRow);
  const e = rows.map((r) => r.eventRow);
  const column = <T, K extends keyof T>(list: readonly T[], key: K): Array<T[K]> => list.map((r) => r[key]);
  await trx.executeQuery(
    CompiledQuery.raw(INSERT_NEW_CASES, [
      column(c, 'id'),
      column(c, 'ref'),
      column(c, 'urgency'),
      column(c, 'applicant_type'),
      column(c, 'country'),
      column(c, 'person_enc'),
      column(c, 'story_enc'),
      column(c, 'intake_enc'),
      column(e, 'id'),
      column(e, 'case_id'),
      column(e, 'kind'),
      column(e, 'actor_id'),
      column(e, 'detail_enc'),
    ]),
  );
  // In-app notifications of the new cases, in the same transaction (ADR 0187).
  await emitCaseActivity(
    'newCases',
    trx,
    c.map((r) => r.id),
  );
}

const INSERT_NEW_CASES = `with
    c as (insert into cases (id, ref, urgency, applicant_type, country, person_enc, story_enc, intake_enc)
      select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::bytea[]))
    insert into case_events (id, case_id, kind, actor_id, detail_enc)
      select * from unnest($9::uuid[], $10::uuid[], $11::text[], $12::uuid[], $13::bytea[])`;
