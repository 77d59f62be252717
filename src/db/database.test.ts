import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbMode, testDb } from '../../test/support/db.ts';
import { openDatabase, type SanctuaryDatabase } from './database.ts';

// A PostgreSQL server may run in any time zone (initdb takes the machine's). The application's
// days are UTC days, so every connection must see UTC whatever the server's setting (ADR 0207).
describe('the database session time zone', () => {
  let database: SanctuaryDatabase & { url?: string };
  let app: SanctuaryDatabase | undefined;

  beforeAll(async () => {
    database = await testDb();
    if (database.url !== undefined) {
      // The server's default for this database: fourteen hours ahead of UTC, so its calendar day
      // differs from the UTC day from 10:00 UTC on, and its weeks start on another instant.
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const name = new URL(database.url).pathname.slice(1);
        await admin.query(`alter database ${name} set timezone to 'Pacific/Kiritimati'`);
      } finally {
        await admin.end();
      }
      app = await openDatabase({ databaseUrl: database.url, poolSize: 1, onConnectionError: () => {} });
    }
  });

  afterAll(async () => {
    await app?.close();
    await database.close();
  });

  it('is UTC on every connection, whatever the server is set to', async () => {
    const db = (app ?? database).db;
    const row = await sql<{ zone: string; utcDay: boolean }>`
      select current_setting('TimeZone') as zone,
             current_date = (now() at time zone 'UTC')::date as "utcDay"`.execute(db);
    expect(row.rows[0]).toEqual({ zone: 'UTC', utcDay: true });
    if (dbMode() === 'postgres') expect(app).toBeDefined();
  });
});
