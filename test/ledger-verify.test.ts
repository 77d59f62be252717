import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/context.ts';
import { openDatabase, type SanctuaryDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createTransfer, openAccount } from '../src/modules/ledger/index.ts';
import { dbMode, testDb } from './support/db.ts';
import { runCli, seedDataDir } from './support/process.ts';

/**
 * `sanctuary ledger verify` through the real command (DESIGN.md §4): exit 0 on a genuine
 * ledger, non-zero naming the first problem after an intruder with database access edits an
 * entry's amount.
 */
describe('sanctuary ledger verify', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('exits 0 on a genuine ledger and 2 naming the altered entry after tampering', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-ledger-'));
    dirs.push(dataDir);
    let database: SanctuaryDatabase & { url?: string };
    if (dbMode() === 'postgres') database = await testDb();
    else {
      // A migrated data directory from the run's template (about 1 s of CPU instead of 6 s).
      await seedDataDir(dataDir);
      database = await openDatabase({ dataDir });
      await migrateToLatest(database.db);
    }
    const env: Record<string, string> = {
      SANCTUARY_ENV: 'production',
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      SANCTUARY_DATA_DIR: dataDir,
      SANCTUARY_LOG_LEVEL: 'warn',
      ...(database.url === undefined ? {} : { DATABASE_URL: database.url }),
    };
    try {
      // The services need only the database for these calls (no keys, no limits).
      const ctx = { database } as unknown as AppContext;
      const cli = { kind: 'cli', id: 'cli' } as const;
      const bank = await openAccount(ctx, cli, {
        kind: 'holding',
        code: 'bank',
        label: 'Bank',
        currency: 'KZT',
      });
      const grant = await openAccount(ctx, cli, {
        kind: 'funding',
        code: 'grant',
        label: 'Grant',
        currency: 'KZT',
      });
      for (let i = 0; i < 5; i += 1) {
        await createTransfer(ctx, cli, {
          id: randomUUID(),
          kind: 'deposit',
          debitAccountId: bank.id,
          creditAccountId: grant.id,
          amount: 10_000 + i,
          currency: 'KZT',
        });
      }
      if (dbMode() === 'pglite') await database.close();

      const good = await runCli(['ledger', 'verify'], env);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(good.stdout).toContain('Ledger intact: 5 entries (5 events), 5 transfers, 2 accounts');

      const intruder = dbMode() === 'postgres' ? database : await openDatabase({ dataDir });
      await sql`alter table ledger_entries disable trigger user`.execute(intruder.db);
      await sql`update ledger_entries set amount = 1 where seq = 3`.execute(intruder.db);
      if (dbMode() === 'pglite') await intruder.close();

      const bad = await runCli(['ledger', 'verify'], env);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toContain('Ledger BROKEN: entry 3 was altered');

      // A wrong sub-command answers the usage, in-process (a third process adds nothing).
      const { main } = await import('../src/cli/main.ts');
      expect(await main(['ledger', 'frobnicate'])).toBe(64);
    } finally {
      if (dbMode() === 'postgres') await database.close();
    }
  }, 120_000);
});
