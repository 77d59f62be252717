import { type Kysely, sql } from 'kysely';

/**
 * Intake schema: codename credentials, attachments, idempotency records, partner API tokens
 * and Telegram links. Cases and their messages live in the cases module's tables.
 * Plain SQL, never importing app code.
 *
 * - No IP, no user agent, no timestamp finer than the day on anything an applicant does
 *   (`created_on date`).
 * - Every personal field is a `bytea` ciphertext under the case's data key.
 * - `intake_codenames` never holds the codename: only a keyed, slow-hashed lookup id and
 *   the case id sealed under a key that only the codename derives.
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
    create table intake_codenames (
      lookup_id bytea primary key,
      case_enc bytea not null,
      created_on date not null default current_date
    );

    create table intake_attachments (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      blob_id text not null unique,
      original_blob_id text unique,
      media_type text not null check (media_type in ('image/jpeg', 'image/png', 'application/pdf')),
      size_bytes integer not null check (size_bytes > 0),
      name_enc bytea not null,
      created_on date not null default current_date
    );
    create index intake_attachments_case on intake_attachments (case_id);

    create table intake_idempotency (
      key_hash bytea primary key,
      case_id uuid not null references cases (id) on delete cascade deferrable initially deferred,
      request_hash bytea not null,
      created_on date not null default current_date
    );
    create index intake_idempotency_case on intake_idempotency (case_id);

    create table intake_partners (
      id uuid primary key,
      label text not null,
      token_hash bytea not null unique,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );

    create table intake_telegram_links (
      chat_hash bytea primary key,
      case_id uuid not null unique references cases (id) on delete cascade,
      chat_enc bytea not null,
      locale text not null check (locale in ('ru', 'uk', 'en')),
      delivered_seq bigint not null default 0,
      created_on date not null default current_date
    );
`;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'intake_telegram_links',
    'intake_partners',
    'intake_idempotency',
    'intake_attachments',
    'intake_codenames',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
