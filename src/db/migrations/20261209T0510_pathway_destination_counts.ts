import { type Kysely, sql } from 'kysely';

/**
 * Cases by destination and route (issue 19, ADR 0170), owned by case-pathways: one row per ISO
 * week of opening, whose body is an encrypted map "team|country|route" → number of cases
 * opened that week whose current pathway (the first viable option of their latest saved
 * check) is that one. No case id, no per-case row; the counts themselves are encrypted under
 * a data key of their own (subject `statistics:pathway-destinations`), padded to 1 KiB steps.
 * Updated by delta when a check is saved or a case is erased.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table pathway_destination_counts (
      week date primary key,
      body_enc bytea not null,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table pathway_destination_counts`.execute(db);
}
