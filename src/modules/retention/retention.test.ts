import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import { storedBlobs } from '../../../test/support/blobs.ts';
import { bytesContain, filesContaining } from '../../../test/support/canary.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import { pngWithText } from '../../../test/support/file-fixtures.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { toBuffer } from '../../db/database.ts';
import { writeBackup } from '../backup/index.ts';
import { decideApproval } from '../case-access/index.ts';
import {
  applyRetention,
  getRetentionOverview,
  placeLegalHold,
  requestHoldLift,
  requestRulesChange,
} from './index.ts';

/**
 * Retention and crypto-shredding (issue 18, ADR 0139).
 *
 * The matrix of /staff/admin/retention × every role and no session × {a case, a missing
 * one}: administrators only; filing a rule change or a hold lift is only a request (202).
 * Then, from the seized-disk side: a case the rules make due is erased (rows, blobs and its
 * data key), and a scan of the database, the data directory and a backup written afterwards
 * finds nothing of it, while a case under a legal hold and a recent one survive (and the same
 * scan finds those: it can fail).
 */
type Scope = 'existing' | 'missing';
interface Fixture {
  ref: string;
}
const adminOnly = (role: MatrixRole, scope: Scope) => role === 'admin' && scope === 'existing';
let otherAdmin: TestStaff;
let heldRef = '';

const matrix = describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/admin/retention',
  served: (t) => routesUnder(t, ['/staff/admin/retention']),
  routes: {
    'GET /staff/admin/retention': { allowed: (role) => role === 'admin', allowedStatuses: [200] },
    'POST /staff/admin/retention/rules': {
      allowed: (role) => role === 'admin',
      allowedStatuses: [202],
      body: () => ({ rules: 'closed 365\nclosed/not_genuine 30' }),
    },
    'POST /staff/admin/retention/holds': {
      allowed: adminOnly,
      allowedStatuses: [200],
      body: (f) => ({ ref: f.ref }),
    },
    'POST /staff/admin/retention/holds/:ref/lift': { allowed: adminOnly, allowedStatuses: [202] },
  },
  scopes: ['existing', 'missing'],
  roles: [...STAFF_ROLES, 'anonymous'],
  async setup(t, sessions) {
    otherAdmin = await buildStaff(t.ctx, 'admin');
    heldRef = (await buildCase(t.ctx)).ref;
    await placeLegalHold(t.ctx, staffActor(sessions.get('admin')!.staff!), heldRef);
  },
  fixture: async ({ scope }) => ({ ref: scope === 'existing' ? heldRef : 'ZZZZ-ZZZZ' }),
  url: (path, f) => path.replace(':ref', f.ref),
});

const run = randomUUID().slice(0, 8);
const canary = {
  erasedStory: `erased-story-canary-${run} повестка`,
  erasedName: `Erasedname${run}`,
  erasedFile: `erased-file-canary-${run}.png`,
  heldStory: `held-story-canary-${run}`,
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Everything the database holds, one JSON text per row (what a dump of the files would show, decoded). */
async function databaseText(): Promise<string> {
  const db = matrix.current.t.ctx.database.db;
  const tables = await sql<{ t: string }>`
    select table_name as t from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const parts: string[] = [];
  for (const { t } of tables.rows) {
    const rows = await sql<{ j: string }>`select row_to_json(x)::text as j from ${sql.table(t)} x`.execute(
      db,
    );
    parts.push(`${t}\n${rows.rows.map((r) => r.j).join('\n')}`);
  }
  return parts.join('\n');
}

describe('retention and crypto-shredding (ADR 0139)', () => {
  it('erases a due case everywhere, keeps the held and the recent one, and a later backup has nothing of it', async () => {
    const { t, sessions } = matrix.current;
    const ctx = t.ctx;
    const db = ctx.database.db;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const caseworker = sessions.get('caseworker')!;
    const person = (givenName: string) => ({ givenName, familyName: 'Петров', documents: [], family: [] });
    const erased = await buildCase(ctx, {
      person: person(canary.erasedName),
      story: canary.erasedStory,
      assigneeId: caseworker.staff!.id,
    });
    const held = await buildCase(ctx, { person: person('Held'), story: canary.heldStory });
    const recent = await buildCase(ctx, { story: 'recent' });
    // An attachment on the case to erase (a blob: a file on PGlite, rows on PostgreSQL).
    const form = multipart([
      { name: '_csrf', value: caseworker.csrf },
      { name: 'file', file: pngWithText(), filename: canary.erasedFile, type: 'image/png' },
    ]);
    const upload = await t.app.inject({
      method: 'POST',
      url: `/staff/intake/cases/${erased.ref}/attachments?lang=en`,
      headers: { cookie: caseworker.client.cookieHeader, 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(upload.statusCode, upload.body).toBeLessThan(400);
    await placeLegalHold(ctx, admin, held.ref);
    // Closed (rejected intake) long ago: the erased and the held case; the recent one last week.
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
    for (const [c, days] of [
      [erased, 40],
      [held, 40],
      [recent, 7],
    ] as const) {
      await db
        .updateTable('cases')
        .set({ status: 'closed', closing_reason: 'not_genuine', last_activity_on: ago(days) })
        .where('id', '=', c.id)
        .execute();
    }

    // The rules change is a request: nothing is due until a second administrator approves it.
    const request = await requestRulesChange(ctx, admin, { rules: 'closed/not_genuine 30\nclosed 365' });
    expect(await applyRetention(ctx)).toBe(0);
    await expect(decideApproval(ctx, admin, request, 'approve')).rejects.toMatchObject({ code: 'not_found' });
    await decideApproval(ctx, staffActor(otherAdmin), request, 'approve');
    const preview = await getRetentionOverview(ctx, admin);
    // The held case is never due; the recent one is, in 23 days: on the 30-day preview.
    expect(preview.due.map((d) => d.ref)).toEqual([erased.ref, recent.ref]);

    const keyOf = async (id: string) =>
      toBuffer(
        (
          await db
            .selectFrom('data_keys')
            .select('wrapped')
            .where('subject', '=', `case:${id}`)
            .executeTakeFirstOrThrow()
        ).wrapped,
      ).toString('hex');
    const storyOf = async (id: string) =>
      toBuffer(
        (await db.selectFrom('cases').select('story_enc').where('id', '=', id).executeTakeFirstOrThrow())
          .story_enc!,
      ).toString('hex');
    const traces = { id: erased.id, key: await keyOf(erased.id), story: await storyOf(erased.id) };
    const heldTraces = { id: held.id, key: await keyOf(held.id), story: await storyOf(held.id) };
    const blobsBefore = await storedBlobs(t);
    const erasedBlobs = (
      await db.selectFrom('intake_attachments').select('blob_id').where('case_id', '=', erased.id).execute()
    ).map((r) => r.blob_id);
    expect(erasedBlobs.length).toBeGreaterThan(0);
    const erasedBlobBytes = blobsBefore.get(erasedBlobs[0]!)!;

    expect(await applyRetention(ctx)).toBe(1);

    // The database: no row names the case or holds its key or ciphertext; the held one does.
    const text = await databaseText();
    const where = (trace: string) =>
      text
        .split('\n')
        .filter((line) => line.includes(trace))
        .map((line) => line.slice(0, 120));
    for (const [name, trace] of Object.entries(traces)) expect(where(trace), name).toEqual([]);
    for (const [name, trace] of Object.entries(heldTraces))
      expect(text.includes(trace), `held ${name}`).toBe(true);
    expect(
      await db.selectFrom('cases').select('id').where('id', 'in', [held.id, recent.id]).execute(),
    ).toHaveLength(2);
    // The blobs: gone from the store; the data directory has none of its bytes or canaries.
    expect([...(await storedBlobs(t)).keys()].some((id) => erasedBlobs.includes(id))).toBe(false);
    for (const c of Object.values(canary)) expect(filesContaining(t.dataDir, c), c).toEqual([]);
    expect(filesContaining(t.dataDir, erasedBlobBytes.subarray(0, 64).toString('latin1'))).toEqual([]);
    // The audit entry names the case reference and the rule, nothing personal.
    const entry = await db
      .selectFrom('audit_log')
      .select(['target', 'reason'])
      .where('action', '=', 'case.erased')
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({
      target: `case:${erased.ref}`,
      reason: 'retention rule: closed/not_genuine after 30 days',
    });

    // A backup written after the erasure: nothing of the case; the held case is there.
    const dir = mkdtempSync(join(tmpdir(), 'sanctuary-retention-'));
    dirs.push(dir);
    const identity = await generateIdentity();
    await writeBackup({
      database: ctx.database,
      dataDir: t.dataDir,
      recipients: [await identityToRecipient(identity)],
      out: join(dir, 'after.age'),
    });
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    const plain = Buffer.from(await decrypter.decrypt(new Uint8Array(readFileSync(join(dir, 'after.age')))));
    for (const [name, trace] of Object.entries(traces)) expect(bytesContain(plain, trace), name).toBe(false);
    expect(plain.includes(erasedBlobBytes.subarray(0, 64))).toBe(false);
    for (const blobId of erasedBlobs) expect(bytesContain(plain, blobId), blobId).toBe(false);
    for (const [name, trace] of Object.entries(heldTraces))
      expect(bytesContain(plain, trace), `held ${name}`).toBe(true);

    // Lifting the hold needs a second administrator too; then the held case goes as well.
    const lift = await requestHoldLift(ctx, admin, held.ref);
    expect(await applyRetention(ctx)).toBe(0);
    await decideApproval(ctx, staffActor(otherAdmin), lift, 'approve');
    expect(await applyRetention(ctx)).toBe(1);
    expect(await db.selectFrom('cases').select('id').where('id', '=', held.id).execute()).toEqual([]);
  });
});
