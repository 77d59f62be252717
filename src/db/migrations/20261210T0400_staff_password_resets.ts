import { type Kysely, sql } from 'kysely';

/**
 * Single-use password-reset links (issue 21 item 4, ADR 0190): an administrator's reset,
 * approved by a second one, issues a link where the person sets a new password and proves it is
 * them with their current TOTP code. Only the token's hash is stored; the link works once,
 * until it expires. Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table staff_password_resets (
      token_hash bytea primary key,
      staff_id uuid not null references staff (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )
  `.execute(db);
  await sql`create index staff_password_resets_staff on staff_password_resets (staff_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table staff_password_resets`.execute(db);
}
