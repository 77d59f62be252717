import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { federationIdentity } from '../src/crypto/index.ts';
import type { Db } from '../src/db/database.ts';
import { readCase } from '../src/modules/cases/index.ts';
import {
  exportPacket,
  federationJobHandlers,
  importPacket,
  onRemoteStatus,
  type RemoteStatusUpdate,
  sendRemoteReferral,
  sendRemoteStatus,
} from '../src/modules/federation/index.ts';
import { buildPacket } from '../src/modules/federation/federation.protocol.ts';
import { JobRunner } from '../src/modules/jobs/index.ts';
import { buildTestApp, type TestApp } from './support/app.ts';
import { bytesContain } from './support/canary.ts';
import { countRows } from './support/db.ts';
import { addVerifiedPeer, CLI } from './support/federation.ts';
import { freePort } from './support/process.ts';

/**
 * Issue 14, "done when": a referral travels between two servers started by the test (two data
 * directories, two databases, two ports, real HTTP between them) and its status flows back;
 * tampering, a replay and a wrong key are refused with nothing stored. Then the seized disk:
 * neither server's database nor its log holds the packet's contents, neither in the outgoing
 * queue nor after filing, nor does the file of an offline hand-over.
 */
const run = Math.random().toString(36).slice(2, 10);
const canary = {
  givenName: `Федерейкин${run}`,
  story: `federation-story-${run} прибываю в Тбилиси`,
  need: `federation-need-${run}`,
  note: `federation-note-${run} ждём вас`,
};
const CONSENT = { fields: ['givenName', 'story', 'needs'], givenOn: '2026-12-05', how: 'inbox' };

interface Server {
  t: TestApp;
  url: string;
  jobs: JobRunner;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await buildTestApp({ config: { publicUrl: url } });
  await t.app.listen({ port, host: '127.0.0.1' });
  const jobs = new JobRunner({
    db: t.ctx.database.db,
    logger: t.ctx.logger,
    handlers: federationJobHandlers(t.ctx),
    isSealed: () => t.ctx.vault.sealed,
  });
  return { t, url, jobs };
}

/** Every row of every table, as text (bytea as hex): what a copy of the database shows. */
async function databaseText(db: Db): Promise<Buffer> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r'`.execute(db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{
      r: string;
    }>`select row_to_json(t)::text as r from ${sql.table(name)} as t`.execute(db);
    for (const row of rows.rows) parts.push(row.r);
  }
  return Buffer.from(parts.join('\n'), 'utf8');
}

function expectNoCanary(bytes: Buffer, where: string): void {
  for (const [name, value] of Object.entries(canary)) {
    expect(bytesContain(bytes, value), `${name} in ${where}`).toBe(false);
  }
}

async function counts(t: TestApp): Promise<number[]> {
  return Promise.all(
    (['federation_packets', 'cases', 'audit_log', 'jobs'] as const).map((x) =>
      countRows(t.ctx.database.db, x),
    ),
  );
}

describe('a referral between two Sanctuary servers', () => {
  let a: Server;
  let b: Server;
  let bOnA: string;
  const heard: RemoteStatusUpdate[] = [];
  let unregister: () => void;
  let delivered: { id: string; body: string };
  let caseIdOnB: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
    // The two administrators exchange identity cards and compare fingerprints.
    bOnA = await addVerifiedPeer(a.t.ctx, b.t.ctx, 'Server B (Tbilisi)');
    await addVerifiedPeer(b.t.ctx, a.t.ctx, 'Server A');
    unregister = onRemoteStatus(async (_trx, update) => {
      heard.push(update);
    });
  }, 90_000);
  afterAll(async () => {
    unregister?.();
    await a?.t.close();
    await b?.t.close();
  });

  it('A sends; the outgoing queue holds no readable content; B files a case and A records its signed receipt', async () => {
    const { packetId } = await sendRemoteReferral(a.t.ctx, CLI, {
      peerId: bOnA,
      localRef: 'REF-2026-0001',
      fields: { givenName: canary.givenName, story: canary.story, needs: canary.need },
      consent: CONSENT,
    });
    const queued = await databaseText(a.t.ctx.database.db);
    // The dump does see plain columns (the reference), so a plaintext field would be found too.
    expect(bytesContain(queued, 'REF-2026-0001')).toBe(true);
    expectNoCanary(queued, 'A before delivery');
    expect(await a.jobs.runUntilIdle()).toBe(1);

    const sent = await a.t.ctx.database.db
      .selectFrom('federation_packets')
      .selectAll()
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    expect(sent.state).toBe('delivered');
    expect(JSON.parse(sent.receipt!)).toMatchObject({ packetId, outcome: 'filed' });
    delivered = { id: packetId, body: Buffer.from(sent.body!).toString('utf8') };

    const filed = await b.t.ctx.database.db
      .selectFrom('federation_packets')
      .selectAll()
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    expect(filed.remote_ref).toBe('REF-2026-0001');
    caseIdOnB = filed.case_id!;
    const kase = await readCase(b.t.ctx, CLI, caseIdOnB);
    expect(kase.person.givenName).toBe(canary.givenName);
    expect(kase.story).toBe(canary.story);
    expectNoCanary(await databaseText(b.t.ctx.database.db), 'B after filing');
  });

  it('B accepts; the status flows back to A and reaches the registered handler', async () => {
    await sendRemoteStatus(b.t.ctx, CLI, { caseId: caseIdOnB, status: 'accepted', note: canary.note });
    expectNoCanary(await databaseText(b.t.ctx.database.db), 'B before delivery of the status');
    expect(await b.jobs.runUntilIdle()).toBe(1);
    expect(heard).toEqual([
      expect.objectContaining({
        peerId: bOnA,
        direction: 'outgoing',
        ref: 'REF-2026-0001',
        status: 'accepted',
        note: canary.note,
      }),
    ]);
    expectNoCanary(await databaseText(a.t.ctx.database.db), 'A after the status');
  });

  it('refuses over HTTP a replay, a tampered packet and a packet sealed to a wrong key; nothing is stored', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${b.url}/api/v1/referrals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
    };
    const before = await counts(b.t);
    expect(await post(delivered.body)).toEqual({ status: 409, code: 'packet_replayed' });
    const packet = JSON.parse(delivered.body) as Record<string, string>;
    const ct = packet.ct!;
    const tampered = { ...packet, ct: `${ct.slice(0, 20)}${ct[20] === 'x' ? 'y' : 'x'}${ct.slice(21)}` };
    expect(await post(JSON.stringify(tampered))).toEqual({ status: 401, code: 'bad_signature' });
    // A, honest but misconfigured, seals to its own key instead of B's: B cannot open it.
    const [idA, idB] = await Promise.all([
      federationIdentity(a.t.ctx.vault.requireKeyring()),
      federationIdentity(b.t.ctx.vault.requireKeyring()),
    ]);
    const wrongKey = await buildPacket(a.t.ctx.vault.requireKeyring(), {
      from: idA.fingerprint,
      to: { fingerprint: idB.fingerprint, encryptionKey: idA.encryptionKey },
      payload: { kind: 'referral', ref: 'REF-2026-0002', fields: { givenName: 'X' }, consent: CONSENT },
      now: new Date(),
    });
    expect(await post(JSON.stringify(wrongKey))).toEqual({ status: 400, code: 'undecryptable' });
    expect(await counts(b.t)).toEqual(before);
  });

  it('hands a packet over offline as a file, and its receipt back', async () => {
    const { packetId } = await sendRemoteReferral(a.t.ctx, CLI, {
      peerId: bOnA,
      localRef: 'REF-2026-0003',
      fields: { givenName: canary.givenName, needs: canary.need },
      consent: CONSENT,
    });
    const file = await exportPacket(a.t.ctx, CLI, packetId);
    expectNoCanary(Buffer.from(file), 'the exported packet file');
    const imported = await importPacket(b.t.ctx, CLI, file);
    expect(imported.kind).toBe('packet');
    const back = await importPacket(
      a.t.ctx,
      CLI,
      JSON.stringify(imported.kind === 'packet' ? imported.receipt : null),
    );
    expect(back).toEqual({ kind: 'receipt', packetId });
    expect(
      (
        await a.t.ctx.database.db
          .selectFrom('federation_packets')
          .select('state')
          .where('id', '=', packetId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('delivered');
    // The job queued with it finds it delivered and does nothing.
    await a.jobs.runUntilIdle();
    expect(a.t.logs()).not.toContain(canary.givenName);
    expect(b.t.logs()).not.toContain(canary.givenName);
    expectNoCanary(Buffer.from(a.t.logs() + b.t.logs()), 'the logs');
  });
});
