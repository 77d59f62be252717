import { type Kysely, sql } from 'kysely';

/**
 * Key rotation that keeps sign-in, codenames and search working (ADR 0082).
 *
 * - `key_material.wrapped_derivation_key`: the long-lived derivation key (parent of the blind
 *   index, codename, keyed-digest, CSRF, proof-of-work and audit signing keys), AES-GCM-wrapped
 *   under the key-wrapping key of that row's root key. Null for a key created before this
 *   migration: its root key is then its own derivation key, until its first rotation.
 * - A trigger refuses a data key written under a retired (or not yet committed) root key, so
 *   that a request which wrapped a data key with the old keyring while a rotation committed
 *   fails (and is retried) instead of storing a key that nothing can open any more.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table key_material add column wrapped_derivation_key bytea`.execute(db);
  await sql`
    create function data_keys_under_active_root_key() returns trigger language plpgsql as $$
    begin
      if not exists (
        select 1 from key_material where key_id = new.key_id and retired_at is null
      ) then
        raise exception 'data key wrapped under root key %, which is retired or unknown', new.key_id
          using errcode = '55000';
      end if;
      return new;
    end
    $$
  `.execute(db);
  await sql`
    create trigger data_keys_under_active_root_key
      before insert or update of key_id, wrapped on data_keys
      for each row execute function data_keys_under_active_root_key()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger data_keys_under_active_root_key on data_keys`.execute(db);
  await sql`drop function data_keys_under_active_root_key()`.execute(db);
  await sql`alter table key_material drop column wrapped_derivation_key`.execute(db);
}
