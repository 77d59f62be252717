import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
  buildTestApp,
} from '../../../test/support/app.ts';
import { buildCase } from '../../../test/support/factories.ts';
import { totpCode } from '../../crypto/index.ts';
import { checkpointFilePath } from '../admin/index.ts';
import { unsealWithDevKey } from '../keys/index.ts';

/**
 * The duress password (issue 18 item 5, ADR 0176), from the coerced person's side and the
 * adversary's: set from one's own session with the real password, stored as an Argon2 hash;
 * signing in with it answers exactly like a sign-in, shows an empty workspace (no case, no word
 * about a seal), and the server is sealed, with the event audited and signed into a checkpoint
 * before the keys went.
 */
let t: TestApp;
let staff: TestStaff;
let client: Client;
const DURESS = 'they are standing behind me 7';
let caseRef: string;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await buildStaff(t.ctx, 'coordinator');
  client = await signInClient(t.app, staff);
  caseRef = (await buildCase(t.ctx)).ref;
}, 60_000);
afterAll(async () => t?.close());

async function actionsSince(seq: number): Promise<{ seq: number; action: string }[]> {
  return t.ctx.database.db
    .selectFrom('audit_log')
    .select(['seq', 'action'])
    .where('seq', '>', seq)
    .orderBy('seq')
    .execute();
}
async function lastSeq(): Promise<number> {
  const row = await t.ctx.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('seq').as('m'))
    .executeTakeFirstOrThrow();
  return Number(row.m ?? 0);
}

describe('the duress password', () => {
  it('is set from one’s own session with the real password, differs from it, and is stored as an Argon2 hash', async () => {
    const page = await client.get('/staff/account/duress?lang=en');
    expect(page.statusCode).toBe(200);
    const csrf = Client.csrfOf(page.body);
    const post = (form: Record<string, string>) =>
      client.post('/staff/account/duress?lang=en', { _csrf: csrf, action: 'set', ...form });
    const hash = async () =>
      (
        await t.ctx.database.db
          .selectFrom('staff')
          .select('duress_hash')
          .where('id', '=', staff.id)
          .executeTakeFirstOrThrow()
      ).duress_hash;
    // Without the real password, or the real password again: refused, nothing stored.
    expect((await post({ password: 'a guess at it', duress: DURESS, duressRepeat: DURESS })).statusCode).toBe(
      400,
    );
    expect(
      (await post({ password: staff.password, duress: staff.password, duressRepeat: staff.password }))
        .statusCode,
    ).toBe(400);
    expect(await hash()).toBeNull();
    const seq = await lastSeq();
    const saved = await post({ password: staff.password, duress: DURESS, duressRepeat: DURESS });
    expect(saved.statusCode).toBe(200);
    const stored = await hash();
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain(DURESS);
    expect((await actionsSince(seq)).map((e) => e.action)).toEqual(['auth.duress_set']);
    // The home page links to it.
    expect((await client.get('/staff?lang=en')).body).toContain('href="/staff/account/duress?lang=en"');
  });

  it('signs in like any sign-in, shows an empty workspace, and seals the server after auditing and checkpointing it', async () => {
    const db = t.ctx.database.db;
    const sessions = async () =>
      Number(
        (
          await db
            .selectFrom('staff_sessions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('staff_id', '=', staff.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const sessionsBefore = await sessions();
    const seq = await lastSeq();
    await db.updateTable('staff').set({ totp_last_step: 0 }).where('id', '=', staff.id).execute();
    const coerced = new Client(t.app);
    const login = await coerced.get('/staff/login?lang=en');
    const res = await coerced.post('/staff/login?lang=en', {
      _csrf: Client.csrfOf(login.body),
      email: staff.email,
      password: DURESS,
      totp: totpCode(staff.totpSecret, Date.now() + 30_000),
    });
    // The same answer as a real sign-in: a redirect to the workspace with a session cookie.
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/staff?lang=en');
    expect(coerced.cookies.size).toBeGreaterThan(0);
    expect(t.ctx.vault.sealed).toBe(true);
    try {
      // What the adversary then sees: the person's workspace, empty, and nothing about a seal.
      const home = await coerced.get('/staff?lang=en');
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain(staff.email);
      expect(home.body).toContain('href="/staff/cases?lang=en"');
      // No home overview (issue 21 item 3): nothing from the database on the decoy.
      expect(home.body).not.toContain('id="home-overview"');
      const cases = await coerced.get('/staff/cases?lang=en');
      expect(cases.statusCode).toBe(200);
      expect(cases.body).toContain('Nothing here yet.');
      for (const page of [home, cases]) {
        expect(page.body).not.toContain(caseRef);
        expect(page.body).not.toContain('sealed');
      }
      // A form "works" and leads home.
      const posted = await coerced.post('/staff/cases/new?lang=en', { _csrf: 'x' });
      expect(posted.statusCode).toBe(303);
      // What the organisation sees: a normal sign-in, the duress event and the seal, in the chain,
      // and a checkpoint signed over the duress event before the keys went; no database session.
      const events = await actionsSince(seq);
      expect(events.map((e) => e.action)).toEqual(['auth.sign_in', 'auth.duress', 'server.seal']);
      const duressSeq = events[1]!.seq;
      const checkpoint = await db
        .selectFrom('audit_checkpoints')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirstOrThrow();
      expect(Number(checkpoint.m)).toBeGreaterThanOrEqual(duressSeq);
      expect(await readFile(checkpointFilePath(t.ctx), 'utf8')).toContain(`"seq":${duressSeq},`);
      expect(await sessions()).toBe(sessionsBefore);
      // Signing out of it ends it.
      const out = await coerced.post('/staff/logout?lang=en', { _csrf: 'x' });
      expect([out.statusCode, out.headers.location]).toEqual([303, '/staff/login?lang=en']);
    } finally {
      await unsealWithDevKey(db, t.ctx.vault, t.dataDir);
    }
  });
});
