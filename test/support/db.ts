import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type Db, openDatabase, type SanctuaryDatabase } from '../../src/db/database.ts';
import type { Database } from '../../src/db/types.ts';

/** Which database this run uses: the embedded one, or PostgreSQL when DATABASE_URL is set. */
export function dbMode(): 'pglite' | 'postgres' {
  return inject('dbMode');
}

/**
 * A fresh, migrated, empty database for one test file (or one test). Real database,
 * never a mock: PGlite from the template dump, or a new PostgreSQL database from the
 * template database.
 */
export async function testDb(): Promise<SanctuaryDatabase & { url?: string }> {
  if (inject('dbMode') === 'postgres') {
    const adminUrl = inject('pgAdminUrl');
    const name = `sanctuary_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name} template ${inject('pgTemplateName')}`);
    } finally {
      await admin.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    // Dropping the database with (force) ends idle connections; that is expected here.
    const database = await openDatabase({
      databaseUrl: url.toString(),
      poolSize: 4,
      onConnectionError: () => {},
    });
    return {
      ...database,
      url: url.toString(),
      async close() {
        await database.close();
        await dropDatabase(adminUrl, name);
      },
    };
  }
  const template = readFileSync(inject('pgliteTemplate'));
  return openDatabase({ loadDataDir: new Blob([template]) });
}

/** How many rows a table holds (tests compare it before and after a refused request). */
export async function countRows(db: Db, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * PostgreSQL only: a new database with nothing in it, not even the schema (a fresh
 * `createdb`), as an operator prepares for a restore; `drop()` removes it.
 */
export async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const name = `sanctuary_e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(adminUrl, name),
  };
}

/** Drops a test database; `with (force)` ends its idle connections, which is expected here. */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const drop = new pg.Client({ connectionString: adminUrl });
  await drop.connect();
  try {
    await drop.query(`drop database if exists ${name} with (force)`);
  } finally {
    await drop.end();
  }
}
