import { type Kysely, sql } from 'kysely';

/**
 * Referrals over federation and the applicant's own consent (issue 14, ADRs 0163-0165):
 * - `partners.peer_id`: a partner of kind `sanctuary_server` is a verified federation peer
 *   (no foreign key across modules; the referrals service checks it against the federation
 *   face when the partner is saved and when a referral is sent);
 * - `referrals.consent_asked`: the fields the caseworker asks the applicant to agree to in the
 *   inbox (null: not asked); field names only, no personal data;
 * - `federation_packets.answer`: on an incoming referral, the last answer this server sent
 *   back (or `withdrawn` when the sending server withdrew it).
 * Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table partners add column peer_id uuid`.execute(db);
  await sql`alter table partners add constraint partners_peer_kind check (peer_id is null or kind = 'sanctuary_server')`.execute(
    db,
  );
  await sql`alter table referrals add column consent_asked text[]`.execute(db);
  await sql`
    alter table federation_packets add column answer text
      check (answer in ('accepted', 'declined', 'in_progress', 'completed', 'withdrawn'))
  `.execute(db);
  // Matching ranks every candidate in SQL (ADR 0165): the vetted partners of a country, by kind.
  await sql`create index partners_vetted_country on partners (country, kind) where vetting_status = 'vetted'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index partners_vetted_country`.execute(db);
  await sql`alter table federation_packets drop column answer`.execute(db);
  await sql`alter table referrals drop column consent_asked`.execute(db);
  await sql`alter table partners drop constraint partners_peer_kind`.execute(db);
  await sql`alter table partners drop column peer_id`.execute(db);
}
