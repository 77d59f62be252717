/**
 * `npm run bench -- ledger [--seconds 10] [--clients 16] [--entries 1000000] [--items 500]`
 *
 * On PostgreSQL (DATABASE_URL, or a throwaway cluster started here), in one run:
 *   1. baseline: pgbench, single-row inserts of a ~300-byte row, the same number of clients;
 *   2. posted two-phase transfers per second through the ledger's services (pending, then
 *      posted: two writes, each with its row locks, limit checks, chain entry and audit entry,
 *      committed in the ledger's group commit, ADR 0126), from `clients` concurrent posters over
 *      8 budget lines, printed as a ratio of (1) (goal ≥ 0.5×) with the batch sizes; then the
 *      same through multi-transfer requests of `items` transfers (ADR 0202), which the ledger
 *      commits several at a time, each batch one chain entry (ADR 0215), also beside (1);
 *   3. `verifyLedger` over a journal of `entries` entries (written directly, with a correct
 *      chain), beside a plain sequential read of the same rows in the same run (goal ≤ 30 s).
 * Everything ends with the ledger verifying.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { AppContext } from '../src/context.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import {
  createTransfer,
  createTransfers,
  openAccount,
  postTransfer,
  postTransfers,
  verifyLedger,
} from '../src/modules/ledger/index.ts';
import { hashLedgerEntry } from '../src/modules/ledger/ledger.chain.ts';
import { ledgerWriteStats } from '../src/modules/ledger/ledger.group-commit.ts';
import { iterateEntries } from '../src/modules/ledger/ledger.repository.ts';
import { startThrowawayPg } from './support/pg.ts';

const cli = { kind: 'cli', id: 'cli' } as const;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string' },
      clients: { type: 'string' },
      entries: { type: 'string' },
      items: { type: 'string' },
    },
  });
  const items = Number(values.items ?? 500);
  const seconds = Number(values.seconds ?? 10);
  const clients = Number(values.clients ?? 16);
  const entries = Number(values.entries ?? 1_000_000);
  const pg = process.env.DATABASE_URL === undefined ? await startThrowawayPg() : undefined;
  const base = new URL(process.env.DATABASE_URL ?? pg!.url);
  const dbName = `ledger_bench_${randomBytes(4).toString('hex')}`;
  const psql = (text: string, db = base.pathname.slice(1) || 'postgres') =>
    execFileSync(
      'psql',
      [
        '-X',
        '-q',
        '-h',
        base.hostname,
        '-p',
        base.port || '5432',
        '-U',
        base.username || 'postgres',
        '-d',
        db,
        '-c',
        text,
      ],
      {
        encoding: 'utf8',
      },
    );
  psql(`create database ${dbName}`);
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  const dir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-ledger-'));
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: clients + 2 });
  try {
    // 1. pgbench
    psql('create table bench_insert (id bigserial primary key, body bytea not null)', dbName);
    const script = join(dir, 'insert.sql');
    writeFileSync(
      script,
      `insert into bench_insert (body) values (decode('${randomBytes(300).toString('hex')}', 'hex'));\n`,
    );
    const out = execFileSync(
      'pgbench',
      [
        '-n',
        '-f',
        script,
        '-c',
        String(clients),
        '-j',
        '2',
        '-T',
        String(seconds),
        '-h',
        url.hostname,
        '-p',
        url.port,
        '-U',
        'postgres',
        dbName,
      ],
      { encoding: 'utf8' },
    );
    const baseline = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN);

    // 2. two-phase transfers through the services
    await migrateToLatest(database.db);
    const ctx = { database } as unknown as AppContext;
    const bank = await openAccount(ctx, cli, {
      kind: 'holding',
      code: 'bank',
      label: 'Bank',
      currency: 'EUR',
    });
    const grant = await openAccount(ctx, cli, {
      kind: 'funding',
      code: 'grant',
      label: 'Grant',
      currency: 'EUR',
    });
    await createTransfer(ctx, cli, {
      id: randomUUID(),
      kind: 'deposit',
      debitAccountId: bank.id,
      creditAccountId: grant.id,
      amount: 1e14,
      currency: 'EUR',
    });
    const lines: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const line = await openAccount(ctx, cli, {
        kind: 'budget',
        code: `budget:${i}`,
        label: `Line ${i}`,
        currency: 'EUR',
      });
      await createTransfer(ctx, cli, {
        id: randomUUID(),
        kind: 'allocation',
        debitAccountId: grant.id,
        creditAccountId: line.id,
        amount: 1e12,
        currency: 'EUR',
      });
      lines.push(line.id);
    }
    const recipients: string[] = [];
    for (let i = 0; i < 64; i += 1)
      recipients.push(
        (await openAccount(ctx, cli, { kind: 'recipient', caseId: randomUUID(), currency: 'EUR' })).id,
      );
    let done = 0;
    const until = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        let i = c;
        while (Date.now() < until) {
          const id = randomUUID();
          await createTransfer(ctx, cli, {
            id,
            kind: 'disbursement',
            debitAccountId: lines[i % lines.length]!,
            creditAccountId: recipients[i % recipients.length]!,
            amount: 1_000 + (i % 500),
            currency: 'EUR',
            pendingSeconds: 3600,
          });
          await postTransfer(ctx, cli, { transferId: id });
          done += 1;
          i += clients;
        }
      }),
    );
    const rate = done / seconds;
    const batches = ledgerWriteStats(ctx);

    // 2b. the same posted two-phase transfers through multi-transfer requests (ADR 0202): each
    // client sends `items` pending transfers in one request, then posts them in a second one.
    let multiDone = 0;
    const multiUntil = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        let i = c;
        while (Date.now() < multiUntil) {
          const transfers = Array.from({ length: items }, () => {
            i += clients;
            return {
              id: randomUUID(),
              kind: 'disbursement' as const,
              debitAccountId: lines[i % lines.length]!,
              creditAccountId: recipients[i % recipients.length]!,
              amount: 1_000 + (i % 500),
              currency: 'EUR',
              pendingSeconds: 3600,
            };
          });
          const created = await createTransfers(ctx, cli, { transfers });
          const posted = await postTransfers(ctx, cli, { transferIds: transfers.map((x) => x.id) });
          if (!created.every((x) => x.ok) || !posted.every((x) => x.ok))
            throw new Error('a multi-transfer request refused an item');
          multiDone += posted.length;
        }
      }),
    );
    const multiRate = multiDone / seconds;
    const after = ledgerWriteStats(ctx);
    const check = await verifyLedger(database.db);
    if (!check.ok) throw new Error(`ledger does not verify after the load: ${check.problem}`);

    // 3. verify over a large journal: a second database, written directly with a correct chain
    const bigName = `${dbName}_big`;
    psql(`create database ${bigName}`);
    const bigUrl = new URL(base);
    bigUrl.pathname = `/${bigName}`;
    const big = await openDatabase({ databaseUrl: bigUrl.toString(), poolSize: 4 });
    try {
      await migrateToLatest(big.db);
      const bigCtx = { database: big } as unknown as AppContext;
      const from = await openAccount(bigCtx, cli, {
        kind: 'equity',
        code: 'opening',
        label: 'Opening',
        currency: 'EUR',
      });
      const to = await openAccount(bigCtx, cli, {
        kind: 'channel',
        code: 'channel',
        label: 'Channel',
        currency: 'EUR',
      });
      await sql`alter table ledger_entries disable trigger user`.execute(big.db);
      let prev: Buffer = Buffer.alloc(32);
      const at = new Date();
      const BATCH = 2_000;
      for (let start = 1; start <= entries; start += BATCH) {
        const transfers = [];
        const rows = [];
        for (let seq = start; seq < Math.min(start + BATCH, entries + 1); seq += 1) {
          const id = randomUUID();
          const amount = 100 + (seq % 1000);
          transfers.push({
            id,
            body_hash: Buffer.alloc(32),
            kind: 'transfer' as const,
            debit_account_id: from.id,
            credit_account_id: to.id,
            amount,
            currency: 'EUR',
            status: 'posted' as const,
            timeout_at: null,
            reverses_id: null,
            created_by: 'cli',
            created_at: at,
          });
          const fields = {
            seq,
            at,
            transfer_id: id,
            event: 'posted_direct' as const,
            debit_account_id: from.id,
            credit_account_id: to.id,
            amount,
            currency: 'EUR',
            actor: 'cli',
          };
          const hash = hashLedgerEntry(prev, fields);
          rows.push({ ...fields, prev_hash: prev, hash });
          prev = hash;
        }
        await big.db.insertInto('ledger_transfers').values(transfers).execute();
        await big.db.insertInto('ledger_entries').values(rows).execute();
      }
      await sql`alter table ledger_entries enable trigger user`.execute(big.db);
      await sql`update ledger_accounts set debits_posted = (select coalesce(sum(amount), 0) from ledger_entries) where id = ${from.id}`.execute(
        big.db,
      );
      await sql`update ledger_accounts set credits_posted = (select coalesce(sum(amount), 0) from ledger_entries) where id = ${to.id}`.execute(
        big.db,
      );
      await sql`vacuum analyze`.execute(big.db);
      let t0 = performance.now();
      let n = 0;
      for await (const _ of iterateEntries(big.db)) n += 1;
      const readSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const result = await verifyLedger(big.db);
      const verifySeconds = (performance.now() - t0) / 1000;
      if (!result.ok || result.entries !== entries)
        throw new Error(`large journal does not verify: ${result.problem}`);
      const fmt = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 0 });
      process.stdout.write(
        [
          `ledger benchmark (${new Date().toISOString().slice(0, 10)}, ${clients} clients, ${seconds} s each)`,
          `  baseline pgbench single-row insert:        ${fmt(baseline)} rows/s`,
          `  posted two-phase transfers, single-transfer clients: ${fmt(rate)} /s   ratio ${(rate / baseline).toFixed(3)}x of pgbench (goal >= 0.50x: ${rate / baseline >= 0.5 ? 'met' : 'NOT met'})`,
          `    group commit: ${fmt(batches.jobs)} writes in ${fmt(batches.batches)} batches (${(batches.jobs / Math.max(1, batches.batches)).toFixed(1)} a batch, largest ${batches.largestBatch}; ${fmt(batches.setBased)} set-based, ${fmt(batches.declined)} declined)`,
          `  posted two-phase transfers, multi-transfer requests of ${items}: ${fmt(multiRate)} /s   ratio ${(multiRate / baseline).toFixed(3)}x of pgbench (goal >= 0.50x: ${multiRate / baseline >= 0.5 ? 'met' : 'NOT met'})`,
          `    ${fmt(after.requests)} requests, ${fmt(after.requestItems)} writes in ${fmt(after.requestBatches)} batches (${(after.requests / Math.max(1, after.requestBatches)).toFixed(1)} requests a batch; ${fmt(after.setBased - batches.setBased)} set-based, ${fmt(after.declined - batches.declined)} declined)`,
          `  baseline sequential read of ${fmt(n)} entries: ${readSeconds.toFixed(1)} s`,
          `  ledger verify over ${fmt(entries)} entries:  ${verifySeconds.toFixed(1)} s   ratio ${(verifySeconds / readSeconds).toFixed(2)}x of the plain read (goal <= 30 s)`,
          '',
        ].join('\n'),
      );
    } finally {
      await big.close();
    }
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    if (pg !== undefined) pg.stop();
    else {
      psql(`drop database if exists ${dbName}_big with (force)`);
      psql(`drop database if exists ${dbName} with (force)`);
    }
  }
}
