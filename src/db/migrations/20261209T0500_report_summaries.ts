import { type Kysely, sql } from 'kysely';

/**
 * Report summaries (issue 19 item 5, ADR 0169): what the dashboards count, per ISO week and
 * team, kept exact by triggers so a quarter reads a few thousand summary rows instead of every
 * case of the quarter. Owned by cases (they are derived from `cases`, `case_status_history` and
 * `case_tasks`, and read through the cases face).
 *
 * - `case_week_counts (dim, week, team, key, n)`: for the week a case was opened, by team,
 *   its applicant type, country, outcome and furthest funnel stage (one row each); for the week
 *   a case entered "closed", dim `closed`; for the week an open task falls due, dim
 *   `task_due`, key its kind. `team` is the team id as text, '' for no team.
 * - `case_week_durations (kind, week, team, days, n)`: a histogram of whole days, per week of
 *   the day a stay in a status ended (`in:<status>`) and per week a case first became safe
 *   (`safe`: days from first contact). Medians and 90th percentiles of any set of weeks are
 *   computed exactly from it (durations are whole days, so the histogram loses nothing).
 *
 * One rule keeps them exact: a case's whole contribution (its row, its status history, its
 * open tasks) is subtracted before a change that could move it (status, team, type, country,
 * closing reason, first day; deletion) and added back after. The "after" triggers are named
 * `cases_status_report_*` so that they run after `cases_status_history` (PostgreSQL runs the
 * triggers of one event in name order) and see the history row that trigger wrote. A task's
 * own changes move only that task. `case_report_rebuild()` recomputes everything from the raw
 * tables (after a restore, or a bulk load with triggers off).
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_week_counts (
      dim text not null,
      week date not null,
      team text not null,
      key text not null,
      n integer not null,
      primary key (dim, week, team, key)
    )
  `.execute(db);
  await sql`
    create table case_week_durations (
      kind text not null,
      week date not null,
      team text not null,
      days integer not null,
      n integer not null,
      primary key (kind, week, team, days)
    )
  `.execute(db);
  await sql`
    create function case_report_stage(s text) returns integer language sql immutable as $$
      select case s when 'triaged' then 1 when 'in_progress' then 2 when 'waiting_applicant' then 2
                    when 'referred' then 3 when 'in_transit' then 4 when 'safe' then 5 else 0 end
    $$
  `.execute(db);
  await sql`
    create function case_report_outcome(s text, reason text) returns text language sql immutable as $$
      select case when s = 'safe' then 'safe' when s = 'closed' then coalesce(reason, 'other') else 'open' end
    $$
  `.execute(db);
  await sql`
    create function case_report_bump(d text, w date, t text, k text, delta integer) returns void language sql as $$
      insert into case_week_counts (dim, week, team, key, n) values (d, date_trunc('week', w)::date, t, k, delta)
        on conflict (dim, week, team, key) do update set n = case_week_counts.n + excluded.n
    $$
  `.execute(db);
  await sql`
    create function case_report_bump_days(k text, w date, t text, d integer, delta integer) returns void language sql as $$
      insert into case_week_durations (kind, week, team, days, n) values (k, date_trunc('week', w)::date, t, d, delta)
        on conflict (kind, week, team, days) do update set n = case_week_durations.n + excluded.n
    $$
  `.execute(db);
  await sql`
    create function case_report_apply(c cases, sign integer) returns void language plpgsql as $$
    declare
      t text := coalesce(c.team_id::text, '');
      stage integer;
      h record;
      first_safe boolean := true;
    begin
      select coalesce(max(case_report_stage(x.status)), 0) into stage from case_status_history x where x.case_id = c.id;
      stage := greatest(stage, case_report_stage(c.status));
      perform case_report_bump('type', c.created_on, t, c.applicant_type, sign);
      perform case_report_bump('country', c.created_on, t, coalesce(c.country, ''), sign);
      perform case_report_bump('outcome', c.created_on, t, case_report_outcome(c.status, c.closing_reason), sign);
      perform case_report_bump('stage', c.created_on, t, stage::text, sign);
      for h in select x.status, x.entered_on, x.left_on from case_status_history x where x.case_id = c.id order by x.seq loop
        if h.status = 'closed' then
          perform case_report_bump('closed', h.entered_on, t, '', sign);
        end if;
        if h.left_on is not null then
          perform case_report_bump_days('in:' || h.status, h.left_on, t, h.left_on - h.entered_on, sign);
        end if;
        if h.status = 'safe' and first_safe then
          first_safe := false;
          perform case_report_bump_days('safe', h.entered_on, t, h.entered_on - c.created_on, sign);
        end if;
      end loop;
      for h in select x.due_on, x.kind from case_tasks x where x.case_id = c.id and x.done_at is null loop
        perform case_report_bump('task_due', h.due_on, t, h.kind, sign);
      end loop;
    end
    $$
  `.execute(db);
  await sql`
    create function cases_report_out() returns trigger language plpgsql as $$
    begin
      perform case_report_apply(old, -1);
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end
    $$
  `.execute(db);
  await sql`
    create function cases_report_in() returns trigger language plpgsql as $$
    begin
      perform case_report_apply(new, 1);
      return null;
    end
    $$
  `.execute(db);
  const moved = sql.raw(`old.status is distinct from new.status or old.team_id is distinct from new.team_id
      or old.applicant_type is distinct from new.applicant_type or old.country is distinct from new.country
      or old.closing_reason is distinct from new.closing_reason or old.created_on is distinct from new.created_on`);
  const columns = sql.raw('status, team_id, applicant_type, country, closing_reason, created_on');
  await sql`create trigger cases_report_out_update before update of ${columns} on cases
      for each row when (${moved}) execute function cases_report_out()`.execute(db);
  await sql`create trigger cases_report_out_delete before delete on cases
      for each row execute function cases_report_out()`.execute(db);
  await sql`create trigger cases_status_report_insert after insert on cases
      for each row execute function cases_report_in()`.execute(db);
  await sql`create trigger cases_status_report_update after update of ${columns} on cases
      for each row when (${moved}) execute function cases_report_in()`.execute(db);
  // A task's own changes. When its case is being deleted, the case's trigger has already taken
  // the task out (the cascade runs after the case row is gone, so the lookup finds nothing).
  await sql`
    create function case_tasks_report() returns trigger language plpgsql as $$
    declare t text;
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.done_at is null then
        select coalesce(team_id::text, '') into t from cases where id = old.case_id;
        if found then perform case_report_bump('task_due', old.due_on, t, old.kind, -1); end if;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.done_at is null then
        select coalesce(team_id::text, '') into t from cases where id = new.case_id;
        if found then perform case_report_bump('task_due', new.due_on, t, new.kind, 1); end if;
      end if;
      return null;
    end
    $$
  `.execute(db);
  await sql`create trigger case_tasks_report after insert or update of done_at, due_on, kind, case_id or delete
      on case_tasks for each row execute function case_tasks_report()`.execute(db);
  await sql`
    create function case_report_rebuild() returns void language plpgsql as $$
    begin
      delete from case_week_counts;
      delete from case_week_durations;
      insert into case_week_counts (dim, week, team, key, n)
        select d.dim, date_trunc('week', c.created_on)::date, coalesce(c.team_id::text, ''), d.key, count(*)
          from cases c
          left join (select case_id, max(case_report_stage(status)) as stage from case_status_history group by case_id) s
            on s.case_id = c.id
          cross join lateral (values
            ('type', c.applicant_type),
            ('country', coalesce(c.country, '')),
            ('outcome', case_report_outcome(c.status, c.closing_reason)),
            ('stage', greatest(coalesce(s.stage, 0), case_report_stage(c.status))::text)) d (dim, key)
         group by 1, 2, 3, 4;
      insert into case_week_counts (dim, week, team, key, n)
        select 'closed', date_trunc('week', h.entered_on)::date, coalesce(c.team_id::text, ''), '', count(*)
          from case_status_history h join cases c on c.id = h.case_id
         where h.status = 'closed'
         group by 2, 3;
      insert into case_week_counts (dim, week, team, key, n)
        select 'task_due', date_trunc('week', x.due_on)::date, coalesce(c.team_id::text, ''), x.kind, count(*)
          from case_tasks x join cases c on c.id = x.case_id
         where x.done_at is null
         group by 2, 3, 4;
      insert into case_week_durations (kind, week, team, days, n)
        select 'in:' || h.status, date_trunc('week', h.left_on)::date, coalesce(c.team_id::text, ''),
               h.left_on - h.entered_on, count(*)
          from case_status_history h join cases c on c.id = h.case_id
         where h.left_on is not null
         group by 1, 2, 3, 4;
      insert into case_week_durations (kind, week, team, days, n)
        select 'safe', date_trunc('week', f.entered_on)::date, coalesce(c.team_id::text, ''),
               f.entered_on - c.created_on, count(*)
          from (select distinct on (case_id) case_id, entered_on from case_status_history
                 where status = 'safe' order by case_id, seq) f
          join cases c on c.id = f.case_id
         group by 2, 3, 4;
    end
    $$
  `.execute(db);
  await sql`select case_report_rebuild()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger case_tasks_report on case_tasks`.execute(db);
  await sql`drop trigger cases_status_report_update on cases`.execute(db);
  await sql`drop trigger cases_status_report_insert on cases`.execute(db);
  await sql`drop trigger cases_report_out_delete on cases`.execute(db);
  await sql`drop trigger cases_report_out_update on cases`.execute(db);
  for (const f of [
    'case_report_rebuild()',
    'case_tasks_report()',
    'cases_report_in()',
    'cases_report_out()',
    'case_report_apply(cases, integer)',
    'case_report_bump_days(text, date, text, integer, integer)',
    'case_report_bump(text, date, text, text, integer)',
    'case_report_outcome(text, text)',
    'case_report_stage(text)',
  ]) {
    await sql`drop function ${sql.raw(f)}`.execute(db);
  }
  await sql`drop table case_week_durations`.execute(db);
  await sql`drop table case_week_counts`.execute(db);
}
