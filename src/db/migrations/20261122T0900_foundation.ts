import { type Kysely, sql } from 'kysely';

/**
 * Foundation schema: keys, staff, sessions, enrolment, audit log, minimal cases.
 * Migrations are plain SQL through Kysely and never import application code.
 * Personal fields are `bytea` ciphertexts (AES-256-GCM, see src/crypto/envelope.ts).
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
    create table key_material (
      key_id text primary key,
      mode text not null check (mode in ('shamir', 'dev')),
      verifier text not null,
      shares integer not null,
      threshold integer not null,
      created_at timestamptz not null default now(),
      retired_at timestamptz
    );

    create table data_keys (
      subject text primary key,
      key_id text not null references key_material (key_id),
      wrapped bytea not null,
      created_at timestamptz not null default now(),
      rewrapped_at timestamptz
    );
    create index data_keys_key_id on data_keys (key_id);

    create table staff (
      id uuid primary key,
      email_bidx integer not null,
      email_enc bytea not null,
      display_name_enc bytea,
      role text not null check (role in ('caseworker', 'lawyer', 'vetting_officer', 'finance_officer',
        'evidence_officer', 'coordinator', 'admin', 'partner', 'analyst')),
      status text not null check (status in ('pending', 'active', 'disabled')),
      password_hash text,
      totp_secret_enc bytea,
      totp_last_step bigint not null default 0,
      created_at timestamptz not null default now(),
      enrolled_at timestamptz,
      disabled_at timestamptz
    );
    create index staff_email_bidx on staff (email_bidx);

    create table staff_enrolments (
      token_hash bytea primary key,
      staff_id uuid not null references staff (id) on delete cascade,
      totp_secret_enc bytea not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );

    create table staff_sessions (
      token_hash bytea primary key,
      staff_id uuid not null references staff (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index staff_sessions_staff on staff_sessions (staff_id);

    create table audit_log (
      seq bigint primary key,
      at timestamptz not null,
      actor text not null,
      action text not null,
      target text,
      reason text,
      prev_hash bytea not null,
      hash bytea not null
    );

    create table audit_checkpoints (
      seq bigint primary key,
      head_hash bytea not null,
      at timestamptz not null,
      key_id text not null,
      public_key text not null,
      signature text not null
    );

    create table cases (
      id uuid primary key,
      ref text not null unique,
      status text not null default 'new',
      urgency integer not null default 0,
      created_on date not null default current_date,
      updated_at timestamptz not null default now(),
      person_enc bytea,
      story_enc bytea
    );

    create table case_notes (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      author_id uuid references staff (id),
      body_enc bytea not null,
      created_at timestamptz not null default now()
    );
    create index case_notes_case on case_notes (case_id);
`;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'case_notes',
    'cases',
    'audit_checkpoints',
    'audit_log',
    'staff_sessions',
    'staff_enrolments',
    'staff',
    'data_keys',
    'key_material',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
