import { type Kysely, sql } from 'kysely';

/**
 * WebAuthn for staff (issue 18 item 1, ADRs 0172-0174):
 *
 * - `staff_webauthn_credentials`: a staff member's security keys and passkeys (several, each
 *   named; the name is under the member's own data key). The public key, the credential id and
 *   the signature counter are not secret.
 * - `staff_webauthn_challenges`: a challenge is stored only as its SHA-256, bound to the
 *   session (enrolling a key) or the pre-session cookie (signing in), for two minutes, and is
 *   deleted when used: single-use.
 * - `staff_auth_policy`: the organisation's setting (one row, absent until first set): the roles
 *   for which a key is mandatory, and whether TOTP stays as a fallback.
 * - `staff_sessions.key_enrolment_only`: a session opened with TOTP by someone who must enrol a
 *   key first; it reaches only the key page and sign-out.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`
      create table staff_webauthn_credentials (
        id uuid primary key,
        staff_id uuid not null references staff (id) on delete cascade,
        credential_id bytea not null unique,
        public_key bytea not null,
        counter bigint not null default 0 check (counter >= 0),
        transports text not null default '',
        device_type text not null check (device_type in ('singleDevice', 'multiDevice')),
        backed_up boolean not null,
        name_enc bytea not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz
      )
    `,
    sql`
      create index staff_webauthn_credentials_staff on staff_webauthn_credentials (staff_id)
    `,
    sql`
      create table staff_webauthn_challenges (
        challenge_hash bytea primary key,
        purpose text not null check (purpose in ('register', 'authenticate')),
        binding_hash bytea not null,
        staff_id uuid references staff (id) on delete cascade,
        expires_at timestamptz not null
      )
    `,
    sql`
      create table staff_auth_policy (
        id smallint primary key check (id = 1),
        webauthn_roles text not null default '',
        totp_fallback boolean not null default true,
        updated_at timestamptz not null default now()
      )
    `,
    sql`
      alter table staff_sessions add column key_enrolment_only boolean not null default false
    `,
  ]) {
    await statement.execute(db);
  }
}
