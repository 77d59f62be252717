import { type Kysely, sql } from 'kysely';

/**
 * Links from evidence items to the units and commanders named in them (issue 16 item 7,
 * ADR 0199). The name is encrypted under the case key; `name_index` is a truncated keyed
 * digest (a blind index, 12 bits) of the kind and the normalised name, so the same unit is
 * found across cases by its candidates, which are decrypted and compared. Plain migration:
 * never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table evidence_links (
      id uuid primary key,
      item_id uuid not null references evidence_items (id),
      case_id uuid not null,
      kind text not null check (kind in ('unit', 'commander')),
      name_index integer not null check (name_index >= 0 and name_index < 4096),
      name_enc bytea not null,
      created_by text not null,
      created_at timestamptz not null
    )
  `.execute(db);
  await sql`create index evidence_links_name on evidence_links (kind, name_index)`.execute(db);
  await sql`create index evidence_links_item on evidence_links (item_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table evidence_links`.execute(db);
}
