import { type Kysely, sql } from 'kysely';

/**
 * Caseworker workspace: queue columns on cases (with a version for optimistic concurrency),
 * teams, blind-index entries for search, messages, tasks, timeline events, break-glass
 * grants, four-eyes approvals and workspace settings.
 *
 * Plaintext columns hold only what the queue must sort and filter on without decrypting:
 * status, urgency, coarse applicant type and country code, assignment, day-granular dates.
 * Everything about the person is in `*_enc` columns (AES-256-GCM under the case data key,
 * AAD = table|column|row). Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP.split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    await sql.raw(statement).execute(db);
  }
}

const UP = `
    create table teams (
      id uuid primary key,
      name text not null unique,
      triage boolean not null default false,
      created_at timestamptz not null default now()
    );

    create table team_members (
      team_id uuid not null references teams (id) on delete cascade,
      staff_id uuid not null references staff (id) on delete cascade,
      primary key (team_id, staff_id)
    );
    create index team_members_staff on team_members (staff_id);

    alter table cases add column version integer not null default 1;
    alter table cases add column applicant_type text not null default 'unknown'
      check (applicant_type in ('soldier', 'conscript', 'reservist', 'officer', 'diplomat', 'family', 'other', 'unknown'));
    alter table cases add column country text check (country ~ '^[A-Z]{2}$');
    alter table cases add column team_id uuid references teams (id);
    alter table cases add column assignee_id uuid references staff (id);
    alter table cases add column closing_reason text
      check (closing_reason in ('reached_safety', 'asylum_granted', 'lost_contact', 'withdrew', 'not_genuine', 'duplicate', 'other'));
    alter table cases add column waiting_for_us boolean not null default true;
    alter table cases add column waiting_since date not null default current_date;
    alter table cases add column last_activity_on date not null default current_date;
    alter table cases add column next_due_on date;
    alter table cases add column intake_enc bytea;
    alter table cases add constraint cases_status_check check (status in
      ('new', 'triaged', 'in_progress', 'waiting_applicant', 'referred', 'in_transit', 'safe', 'closed'));

    create index cases_queue on cases (urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_queue_overdue on cases (next_due_on) where status <> 'closed' and next_due_on is not null;
    create index cases_team_queue on cases (team_id, urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_assignee_queue on cases (assignee_id, urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_status_queue on cases (status, urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_type_queue on cases (applicant_type, urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_country_queue on cases (country, urgency desc, waiting_since, id) where status <> 'closed';
    create index cases_pool on cases (urgency desc, waiting_since, id)
      where status <> 'closed' and team_id is null and assignee_id is null;

    create sequence case_timeline_seq;
    alter table case_notes add column seq bigint not null default nextval('case_timeline_seq');
    create index case_notes_case_seq on case_notes (case_id, seq);

    create table case_person_index (
      case_id uuid not null references cases (id) on delete cascade,
      kind text not null check (kind in ('phone', 'document', 'name')),
      value integer not null,
      primary key (kind, value, case_id)
    );
    create index case_person_index_case on case_person_index (case_id);

    create table case_messages (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      direction text not null check (direction in ('in', 'out')),
      author_id uuid references staff (id),
      body_enc bytea not null,
      created_on date not null default current_date,
      seq bigint not null default nextval('case_timeline_seq')
    );
    create index case_messages_case_seq on case_messages (case_id, seq);

    create table case_tasks (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      kind text not null check (kind in ('summons', 'visa_free_end', 'asylum_interview', 'document', 'call', 'other')),
      title_enc bytea not null,
      due_on date not null,
      assignee_id uuid references staff (id),
      created_by uuid references staff (id),
      done_at timestamptz,
      done_by uuid references staff (id),
      created_at timestamptz not null default now(),
      seq bigint not null default nextval('case_timeline_seq')
    );
    create index case_tasks_case on case_tasks (case_id, seq);
    create index case_tasks_open_due on case_tasks (due_on) where done_at is null;
    create index case_tasks_open_assignee on case_tasks (assignee_id, due_on) where done_at is null;

    create table case_events (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      kind text not null check (kind in ('created', 'status', 'assign', 'person', 'intake')),
      actor_id uuid references staff (id),
      detail_enc bytea,
      at timestamptz not null default now(),
      seq bigint not null default nextval('case_timeline_seq')
    );
    create index case_events_case_seq on case_events (case_id, seq);

    create table break_glass_grants (
      id uuid primary key,
      staff_id uuid not null references staff (id),
      case_id uuid not null references cases (id) on delete cascade,
      reason text not null check (length(reason) between 10 and 500),
      granted_at timestamptz not null default now(),
      expires_at timestamptz not null,
      reviewed_by uuid references staff (id),
      reviewed_at timestamptz,
      review_note text
    );
    create index break_glass_active on break_glass_grants (staff_id, case_id, expires_at);
    create index break_glass_unreviewed on break_glass_grants (granted_at) where reviewed_at is null;

    create table case_approvals (
      id uuid primary key,
      kind text not null check (kind in ('close_not_genuine', 'bulk_export')),
      case_id uuid references cases (id) on delete cascade,
      requested_by uuid not null references staff (id),
      requested_at timestamptz not null default now(),
      payload_enc bytea,
      status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'used')),
      decided_by uuid references staff (id),
      decided_at timestamptz,
      expected_version integer
    );
    create index case_approvals_pending on case_approvals (requested_at) where status = 'pending';

    create table case_settings (
      key text primary key,
      value text not null
    );

    create index audit_log_target on audit_log (target, seq);
    create index audit_log_at on audit_log (at)
`;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'drop index audit_log_at',
    'drop index audit_log_target',
    'drop table case_settings',
    'drop table case_approvals',
    'drop table break_glass_grants',
    'drop table case_events',
    'drop table case_tasks',
    'drop table case_messages',
    'drop table case_person_index',
    'alter table case_notes drop column seq',
    'drop sequence case_timeline_seq',
    'alter table cases drop constraint cases_status_check',
    'alter table cases drop column intake_enc, drop column next_due_on, drop column last_activity_on, drop column waiting_since, drop column waiting_for_us, drop column closing_reason, drop column assignee_id, drop column team_id, drop column country, drop column applicant_type, drop column version',
    'drop table team_members',
    'drop table teams',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
