import { type Kysely, sql } from 'kysely';

/**
 * Arrivals through a campaign or mirror code (issue 20, ADR 0155): aggregate counts per code and
 * ISO week, nothing else. No row names a person, a case, a time of day or an address; the code
 * is never stored anywhere else. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table outreach_arrivals (
      code text not null check (code ~ '^[a-z0-9][a-z0-9-]{0,23}$'),
      week text not null check (week ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' and extract(isodow from week::date) = 1),
      arrivals integer not null check (arrivals >= 0),
      primary key (code, week)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table outreach_arrivals`.execute(db);
}
