import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** Rows of `organisation_versions` (ADR 0193): the draft (no published_at) and the published versions. */

const SUMMARY = ['version', 'settings', 'logo_width', 'logo_height', 'published_at', 'saved_at'] as const;

export async function findDraft(db: Db) {
  return db
    .selectFrom('organisation_versions')
    .select([...SUMMARY, 'logo', 'contact_person_enc'])
    .where('published_at', 'is', null)
    .executeTakeFirst();
}

/** Locks the draft row (publish and save take it under the lock). */
export async function lockDraft(db: Db) {
  return db
    .selectFrom('organisation_versions')
    .select([...SUMMARY, 'logo', 'contact_person_enc'])
    .where('published_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function findVersion(db: Db, version: number) {
  return db
    .selectFrom('organisation_versions')
    .select([...SUMMARY, 'logo', 'contact_person_enc'])
    .where('version', '=', version)
    .executeTakeFirst();
}

/** Published versions above a version, oldest first (what a process has not loaded yet). */
export async function listPublishedAfter(db: Db, after: number) {
  return db
    .selectFrom('organisation_versions')
    .select(SUMMARY)
    .where('published_at', 'is not', null)
    .where('version', '>', after)
    .orderBy('version')
    .execute();
}

/** The highest published version number (0 for none): a cheap "has anything changed?". */
export async function latestPublishedVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('organisation_versions')
    .select(sql<number | null>`max(version)`.as('v'))
    .where('published_at', 'is not', null)
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/** Every version, newest first, without logos or ciphertexts (the administrator's list). */
export async function listVersions(db: Db) {
  return db
    .selectFrom('organisation_versions')
    .select(['version', 'published_at', 'saved_at'])
    .orderBy('version', 'desc')
    .limit(200)
    .execute();
}

export async function nextVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('organisation_versions')
    .select(sql<number | null>`max(version)`.as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0) + 1;
}

export async function insertDraft(
  db: Db,
  row: {
    version: number;
    settings: string;
    logo: Buffer | null;
    logo_width: number | null;
    logo_height: number | null;
    contact_person_enc: Buffer | null;
    saved_by: string;
  },
): Promise<void> {
  await db
    .insertInto('organisation_versions')
    .values({ ...row, settings: sql`${row.settings}::jsonb` })
    .execute();
}

export async function updateDraft(
  db: Db,
  version: number,
  row: {
    settings?: string;
    logo?: Buffer | null;
    logo_width?: number | null;
    logo_height?: number | null;
    contact_person_enc?: Buffer | null;
    saved_by: string;
  },
): Promise<void> {
  const { settings, ...rest } = row;
  await db
    .updateTable('organisation_versions')
    .set({
      ...rest,
      ...(settings === undefined ? {} : { settings: sql`${settings}::jsonb` }),
      saved_at: sql`now()`,
    })
    .where('version', '=', version)
    .where('published_at', 'is', null)
    .execute();
}

export async function markPublished(db: Db, version: number, by: string): Promise<void> {
  await db
    .updateTable('organisation_versions')
    .set({ published_at: sql`now()`, published_by: by })
    .where('version', '=', version)
    .where('published_at', 'is', null)
    .execute();
}

export async function deleteDraft(db: Db, version: number): Promise<void> {
  await db
    .deleteFrom('organisation_versions')
    .where('version', '=', version)
    .where('published_at', 'is', null)
    .execute();
}
