import { type Kysely, sql } from 'kysely';

/**
 * Reports (issue 19, ADRs 0143–0146).
 *
 * 1. `case_status_history` (owned by cases): the day each case entered each status, written
 *    by a trigger on `cases`, so every path that creates a case or changes its status (the
 *    service, intake's batch insert, a four-eyes approval) records it without new code. Day
 *    granularity, no actor, no reason: what `cases.status`, `created_on` and
 *    `last_activity_on` already show in plaintext, kept over time (ADR 0144). `left_on` is
 *    filled when the next status begins, so time in a state is one subtraction.
 * 2. `report_budgets` and `report_releases` (owned by reports): the differential-privacy
 *    budget per dataset and every release made against it, with its stored noisy counts.
 * 3. An index for the dashboards' range scans over cases (docs/reports.md, the benchmark);
 *    open tasks past their deadline use `case_tasks_open_due` (20261122T1100).
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_status_history (
      case_id uuid not null references cases (id) on delete cascade,
      seq serial primary key,
      status text not null,
      entered_on date not null,
      left_on date,
      check (left_on is null or left_on >= entered_on)
    )
  `.execute(db);
  await sql`create index case_status_history_case on case_status_history (case_id, seq)`.execute(db);
  await sql`create index case_status_history_entered on case_status_history (status, entered_on) include (case_id)`.execute(
    db,
  );
  await sql`create index case_status_history_left on case_status_history (left_on, status) include (entered_on, case_id) where left_on is not null`.execute(
    db,
  );
  await sql`
    create function case_status_history_record() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into case_status_history (case_id, status, entered_on) values (new.id, new.status, new.created_on);
      elsif new.status is distinct from old.status then
        update case_status_history set left_on = greatest(current_date, entered_on)
          where case_id = new.id and left_on is null;
        insert into case_status_history (case_id, status, entered_on) values (new.id, new.status, current_date);
      end if;
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger cases_status_history after insert or update of status on cases
      for each row execute function case_status_history_record()
  `.execute(db);
  // Cases that exist already: their first day, and their present status from their last activity.
  await sql`
    insert into case_status_history (case_id, status, entered_on, left_on)
      select id, 'new', created_on, case when status = 'new' then null else greatest(last_activity_on, created_on) end
        from cases
  `.execute(db);
  await sql`
    insert into case_status_history (case_id, status, entered_on)
      select id, status, greatest(last_activity_on, created_on) from cases where status <> 'new'
  `.execute(db);
  await sql`create index cases_report_created on cases (created_on) include (team_id, applicant_type, country, status, closing_reason)`.execute(
    db,
  );

  await sql`
    create table report_budgets (
      dataset text primary key check (dataset ~ '^[a-z][a-z0-9_]{0,39}$'),
      total_rho text not null check (total_rho ~ '^[0-9]{1,18}/[1-9][0-9]{0,17}$'),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`insert into report_budgets (dataset, total_rho) values ('cases', '1/1')`.execute(db);
  await sql`
    create table report_releases (
      id uuid primary key,
      dataset text not null references report_budgets (dataset),
      query_key text not null,
      rho text not null check (rho ~ '^[1-9][0-9]{0,17}/[1-9][0-9]{0,17}$'),
      sigma2 text not null check (sigma2 ~ '^[1-9][0-9]{0,17}/[1-9][0-9]{0,17}$'),
      period_from date not null,
      period_to date not null,
      body text not null,
      created_by text not null,
      created_at timestamptz not null default now(),
      unique (dataset, query_key)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table report_releases`.execute(db);
  await sql`drop table report_budgets`.execute(db);
  await sql`drop index cases_report_created`.execute(db);
  await sql`drop trigger cases_status_history on cases`.execute(db);
  await sql`drop function case_status_history_record()`.execute(db);
  await sql`drop table case_status_history`.execute(db);
}
