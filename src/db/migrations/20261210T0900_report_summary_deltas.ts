import { type Kysely, sql } from 'kysely';

/**
 * Report summaries without row locks (ADR 0206). The triggers of ADR 0169 upserted one row per
 * (dimension, week, team, key): two transactions moving cases between the same rows in opposite
 * orders could deadlock, and every change of one week and team waited on the same hot row.
 * Now a change only inserts delta rows (+1/−1; insert-only rows never block one another), the
 * readers already add up `n`, and `case_report_compact()` folds each cell's rows into one (a
 * job runs it; one compaction at a time under an advisory lock; a delta inserted meanwhile is
 * not in its snapshot and stays). The rebuild is unchanged.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table case_week_counts drop constraint case_week_counts_pkey`.execute(db);
  await sql`alter table case_week_durations drop constraint case_week_durations_pkey`.execute(db);
  await sql`create index case_week_counts_cell on case_week_counts (dim, week, team, key)`.execute(db);
  await sql`create index case_week_durations_cell on case_week_durations (kind, week, team, days)`.execute(
    db,
  );
  await sql`
    create or replace function case_report_bump(d text, w date, t text, k text, delta integer) returns void language sql as $$
      insert into case_week_counts (dim, week, team, key, n) values (d, date_trunc('week', w)::date, t, k, delta)
    $$
  `.execute(db);
  await sql`
    create or replace function case_report_bump_days(k text, w date, t text, d integer, delta integer) returns void language sql as $$
      insert into case_week_durations (kind, week, team, days, n) values (k, date_trunc('week', w)::date, t, d, delta)
    $$
  `.execute(db);
  await sql`
    create function case_report_compact() returns integer language plpgsql as $$
    declare folded integer;
    begin
      perform pg_advisory_xact_lock(hashtext('case_report_compact'));
      with cells as (
        select dim, week, team, key from case_week_counts group by 1, 2, 3, 4 having count(*) > 1 or sum(n) = 0
      ), gone as (
        delete from case_week_counts c using cells
         where c.dim = cells.dim and c.week = cells.week and c.team = cells.team and c.key = cells.key
        returning c.dim, c.week, c.team, c.key, c.n
      )
      insert into case_week_counts (dim, week, team, key, n)
        select dim, week, team, key, sum(n) from gone group by 1, 2, 3, 4 having sum(n) <> 0;
      get diagnostics folded = row_count;
      with cells as (
        select kind, week, team, days from case_week_durations group by 1, 2, 3, 4 having count(*) > 1 or sum(n) = 0
      ), gone as (
        delete from case_week_durations c using cells
         where c.kind = cells.kind and c.week = cells.week and c.team = cells.team and c.days = cells.days
        returning c.kind, c.week, c.team, c.days, c.n
      )
      insert into case_week_durations (kind, week, team, days, n)
        select kind, week, team, days, sum(n) from gone group by 1, 2, 3, 4 having sum(n) <> 0;
      return folded;
    end
    $$
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`select case_report_compact()`.execute(db);
  await sql`drop function case_report_compact()`.execute(db);
  await sql`drop index case_week_durations_cell`.execute(db);
  await sql`drop index case_week_counts_cell`.execute(db);
  await sql`
    create or replace function case_report_bump(d text, w date, t text, k text, delta integer) returns void language sql as $$
      insert into case_week_counts (dim, week, team, key, n) values (d, date_trunc('week', w)::date, t, k, delta)
        on conflict (dim, week, team, key) do update set n = case_week_counts.n + excluded.n
    $$
  `.execute(db);
  await sql`
    create or replace function case_report_bump_days(k text, w date, t text, d integer, delta integer) returns void language sql as $$
      insert into case_week_durations (kind, week, team, days, n) values (k, date_trunc('week', w)::date, t, d, delta)
        on conflict (kind, week, team, days) do update set n = case_week_durations.n + excluded.n
    $$
  `.execute(db);
  await sql`alter table case_week_counts add primary key (dim, week, team, key)`.execute(db);
  await sql`alter table case_week_durations add primary key (kind, week, team, days)`.execute(db);
}
