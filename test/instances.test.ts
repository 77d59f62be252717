import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../src/access/index.ts';
import { generateRootKey, Keyring } from '../src/crypto/index.ts';
import { sealFromActor } from '../src/modules/admin/admin.service.ts';
import { auditTrust } from '../src/modules/audit/audit-witness.ts';
import { assignCase } from '../src/modules/cases/cases.service.ts';
import { readCaseAttachment } from '../src/modules/intake/attachments.ts';
import {
  TELEGRAM_LEASE_MS,
  TelegramChannel,
} from '../src/modules/intake/channels/telegram/telegram.channel.ts';
import { im } from '../src/modules/intake/intake.messages.ts';
import { intakeRuntimeOf } from '../src/modules/intake/intake.plugin.tsx';
import { approveHandoff, fleetWatcherOf } from '../src/modules/keys/index.ts';
import { sealServer, unsealWithDevKey } from '../src/modules/keys/keys.service.ts';
import { Vault } from '../src/modules/keys/vault.ts';
import { buildStaff, Client } from './support/app.ts';
import { jpegWithExif } from './support/file-fixtures.ts';
import { buildFleet, type Fleet, type Instance } from './support/instances.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, replyAsStaff } from './support/intake.ts';
import { multipart } from './support/multipart.ts';
import { startTelegramStandIn, type TelegramCall } from './support/telegram.ts';

/**
 * Issue 17, "done when": two instances of one deployment on one database serve an applicant
 * whose requests alternate between them, and a Telegram conversation that survives closing
 * the instance that held it. Only Telegram is faked (a stand-in Bot API on 127.0.0.1).
 */
const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789';
const SECRET = 'webhook-secret-0123456789';
const CHAT = 555000111;

/** An applicant's browser whose requests go to the instances in turn (one cookie jar). */
class Alternating {
  readonly #clients: Client[];
  #turn = 0;
  constructor(apps: FastifyInstance[]) {
    this.#clients = apps.map((a) => new Client(a));
  }
  next(): Client {
    const previous = this.#clients[(this.#turn + this.#clients.length - 1) % this.#clients.length]!;
    const client = this.#clients[this.#turn % this.#clients.length]!;
    this.#turn += 1;
    if (client !== previous) {
      client.cookies.clear();
      for (const [k, v] of previous.cookies) client.cookies.set(k, v);
    }
    return client;
  }
}

describe('two instances on one database', () => {
  let fleet: Fleet;
  let a: Instance;
  let b: Instance;
  let standIn: Awaited<ReturnType<typeof startTelegramStandIn>>;
  let calls: TelegramCall[] = [];

  beforeAll(async () => {
    standIn = await startTelegramStandIn();
    calls = standIn.calls;
    const apiRoot = standIn.apiRoot;
    fleet = await buildFleet({
      intake: intakeTestConfig({
        telegram: { token: TOKEN, apiRoot, mode: 'webhook', webhookSecret: SECRET },
      }),
    });
    a = await fleet.start();
    b = await fleet.start();
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await standIn?.close();
  });

  it('serves an applicant whose requests alternate: submission, sign-in, reply, upload, download', async () => {
    const browser = new Alternating([a.app, b.app]);
    const page = await browser.next().get('/?lang=en'); // A
    const submitted = await browser.next().post('/submit?lang=en', {
      ...formFieldsOf(page.body),
      type: 'deserter',
      country: 'KZ',
      urgency: 'hiding',
      story: 'Two instances, one story.',
      needs: 'leave',
    }); // B
    expect(submitted.statusCode).toBe(200);
    const codename = codenameOf(submitted);

    const signInPage = await browser.next().get('/inbox?lang=en'); // A: pre-session cookie and CSRF
    const signedIn = await browser
      .next()
      .post('/inbox/sign-in?lang=en', { _csrf: Client.csrfOf(signInPage.body), codename }); // B
    expect(signedIn.statusCode).toBe(303);

    const caseRow = await a.ctx.database.db
      .selectFrom('cases')
      .select(['id', 'ref'])
      .orderBy('created_on', 'desc')
      .executeTakeFirstOrThrow();
    await replyAsStaff({ ...fleetApp(b), dataDir: fleet.dataDir }, caseRow.ref, 'Written on one instance.');
    const inbox = await browser.next().get('/inbox?lang=en'); // A: the session B created
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('Written on one instance.');

    const reply = await browser
      .next()
      .post('/inbox/messages?lang=en', { _csrf: Client.csrfOf(inbox.body), body: 'Thank you, from B.' }); // B
    expect(reply.statusCode).toBe(303);

    const form = multipart([
      { name: '_csrf', value: Client.csrfOf(inbox.body) },
      { name: 'file', file: jpegWithExif(), filename: 'pass.jpg', type: 'image/jpeg' },
    ]);
    const uploader = browser.next(); // A
    const uploaded = await uploader.app.inject({
      method: 'POST',
      url: '/inbox/attachments?lang=en',
      headers: { cookie: uploader.cookieHeader, 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(uploaded.statusCode).toBe(303);
    const listed = await browser.next().get('/inbox?lang=en'); // B lists what A stored
    expect(listed.body).toContain('pass.jpg');

    // A caseworker on the case downloads it from the other instance.
    const cw = await buildStaff(b.ctx, 'caseworker');
    const coordinator = await buildStaff(b.ctx, 'coordinator');
    const staff = (s: { id: string }, role: 'caseworker' | 'coordinator'): StaffActor => ({
      kind: 'staff',
      id: s.id,
      role,
      sessionHash: Buffer.alloc(32),
    });
    const version = (
      await b.ctx.database.db
        .selectFrom('cases')
        .select('version')
        .where('id', '=', caseRow.id)
        .executeTakeFirstOrThrow()
    ).version;
    await assignCase(b.ctx, staff(coordinator, 'coordinator'), caseRow.ref, {
      version: String(version),
      teamId: '',
      assigneeId: cw.id,
    });
    const attachment = await b.ctx.database.db
      .selectFrom('intake_attachments')
      .select('id')
      .where('case_id', '=', caseRow.id)
      .executeTakeFirstOrThrow();
    const file = await readCaseAttachment(
      b.ctx,
      intakeRuntimeOf(b.ctx),
      staff(cw, 'caseworker'),
      caseRow.ref,
      attachment.id,
    );
    expect(file.type).toBe('image/jpeg');
    expect(file.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    // Signing out on one instance ends the session on every instance.
    const out = browser.next(); // A
    await out.post('/inbox/sign-out?lang=en', { _csrf: Client.csrfOf(listed.body) });
    const after = await browser.next().get('/inbox?lang=en'); // B
    expect(after.body).not.toContain('Thank you, from B.');
    expect(await b.ctx.database.db.selectFrom('applicant_sessions').selectAll().execute()).toEqual([]);
  });

  it('continues a Telegram conversation after the instance that held it is closed', async () => {
    const chat = { id: CHAT, type: 'private', first_name: 'A' };
    const from = { id: CHAT, is_bot: false, first_name: 'A' };
    let updateId = 5000;
    const hook = (to: Instance, update: object) => {
      updateId += 1;
      return to.app.inject({
        method: 'POST',
        url: '/telegram/webhook',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        payload: { update_id: updateId, ...update },
      });
    };
    const text = (to: Instance, value: string, entities?: object[]) =>
      hook(to, {
        message: {
          message_id: updateId,
          date: 0,
          chat,
          from,
          text: value,
          ...(entities ? { entities } : {}),
        },
      });
    const press = (to: Instance, data: string) =>
      hook(to, {
        callback_query: {
          id: `cb${updateId}`,
          from,
          chat_instance: 'x',
          data,
          message: { message_id: 1, date: 0, chat, text: 'q' },
        },
      });
    const sent = () => calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.body.text));

    // A third instance holds the conversation's beginning and the Telegram lease.
    const c = await fleet.start();
    await intakeRuntimeOf(a.ctx).telegram!.stop(); // A and B give the lease up; C takes it
    await intakeRuntimeOf(b.ctx).telegram!.stop();
    expect(await intakeRuntimeOf(c.ctx).telegram!.tick()).toBe(true);
    expect((await text(c, '/start', [{ type: 'bot_command', offset: 0, length: 6 }])).statusCode).toBe(200);
    await press(c, 'lang:en');
    await press(c, 'type:deserter');
    // What is stored of the conversation reveals none of it.
    const stored = await c.ctx.database.db.selectFrom('telegram_conversations').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.state_enc).includes(Buffer.from('deserter'))).toBe(false);
    await c.close();

    // B carries on where C stopped, and takes over delivering replies.
    await text(b, 'Kazakhstan');
    await press(b, 'urg:hiding');
    await text(b, 'Told to two instances.');
    await press(b, 'confirm:yes');
    expect(sent()).toContain(im('en', 'tg.sent'));
    expect(sent().at(-1)).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} ext\. \d{6}$/);
    const link = await b.ctx.database.db
      .selectFrom('intake_telegram_links')
      .selectAll()
      .executeTakeFirstOrThrow();
    const caseRow = await b.ctx.database.db
      .selectFrom('cases')
      .select(['ref', 'country'])
      .where('id', '=', link.case_id)
      .executeTakeFirstOrThrow();
    expect(caseRow.country).toBe('KZ');
    expect(await b.ctx.database.db.selectFrom('telegram_conversations').selectAll().execute()).toEqual([]);

    await replyAsStaff({ ...fleetApp(b), dataDir: fleet.dataDir }, caseRow.ref, 'Reply after a restart.');
    const telegramB = intakeRuntimeOf(b.ctx).telegram!;
    expect(await telegramB.tick()).toBe(true); // C released the lease when it closed
    expect(await telegramB.deliverReplies()).toBe(1);
    expect(sent().at(-1)).toContain('Reply after a restart.');
  });

  it('polls Telegram on exactly one instance: a live lease is left alone, an expired one taken over', async () => {
    const polling = (i: Instance, vault = i.ctx.vault) => {
      const ctx = {
        ...i.ctx,
        vault,
        config: {
          ...i.ctx.config,
          intake: {
            ...i.ctx.config.intake,
            telegram: { ...i.ctx.config.intake.telegram, mode: 'polling' as const },
          },
        },
      };
      return new TelegramChannel(ctx, intakeRuntimeOf(i.ctx));
    };
    const one = polling(a);
    const two = polling(b);
    await intakeRuntimeOf(b.ctx).telegram!.stop();
    const now = Date.now();
    try {
      expect(await one.tick(now)).toBe(true);
      expect(await two.tick(now + 1_000)).toBe(false);
      expect(two.bot.isRunning()).toBe(false);
      // The holder renews; the other still may not take it.
      expect(await one.tick(now + TELEGRAM_LEASE_MS / 2)).toBe(true);
      expect(await two.tick(now + TELEGRAM_LEASE_MS)).toBe(false);
      // The holder stops renewing (it died): after expiry the other takes over, and the old
      // holder, should it come back, stops polling.
      expect(await two.tick(now + 2 * TELEGRAM_LEASE_MS)).toBe(true);
      expect(await one.tick(now + 2 * TELEGRAM_LEASE_MS + 1_000)).toBe(false);
      expect(one.bot.isRunning()).toBe(false);
      expect(one.leader).toBe(false);
      // A sealed instance never takes the lease, even an expired one: it could not file anything.
      const sealed = polling(a, new Vault());
      expect(await sealed.tick(now + 4 * TELEGRAM_LEASE_MS)).toBe(false);
      await sealed.stop();
      expect(await one.tick(now + 4 * TELEGRAM_LEASE_MS + 1)).toBe(true);
    } finally {
      await one.stop();
      await two.stop();
    }
    expect(calls.some((c) => c.method === 'getUpdates')).toBe(true);
  });

  it('"Seal now" on one instance seals the other; only an approved hand-off of this deployment\'s key unseals a new one', async () => {
    expect(b.ctx.vault.sealed).toBe(false);
    await sealServer(a.ctx.database.db, a.ctx.vault, 'cli');
    expect(a.ctx.vault.sealed).toBe(true);
    await fleetCheck(b);
    expect(b.ctx.vault.sealed).toBe(true);
    expect(b.logs()).toContain('another instance');

    // The key holders unseal A (here: the development key); A now follows the new epoch.
    expect(await unsealWithDevKey(a.ctx.database.db, a.ctx.vault, fleet.dataDir)).toBe(true);
    await fleetCheck(a);
    expect(a.ctx.vault.sealed).toBe(false);

    const pinned = auditTrust(a.ctx.config.audit, a.ctx.vault.requireKeyring()).keyringFingerprint!;
    const d = await fleet.start({
      sealed: true,
      config: { audit: { ...a.ctx.config.audit, keyFingerprints: [pinned] } },
    });
    expect(d.ctx.vault.sealed).toBe(true);
    await fleetCheck(d, true);
    const first = fleetWatcherOf(d.ctx)!.fingerprint!;
    expect(d.logs()).toContain(first);

    // Someone who can write the database seals a key of their own to the published public key:
    // the new instance refuses it and stays sealed.
    const row = await d.ctx.database.db.selectFrom('unseal_requests').selectAll().executeTakeFirstOrThrow();
    const theirs = Keyring.withNewDerivationKey(generateRootKey());
    await d.ctx.database.db
      .updateTable('unseal_requests')
      .set({ grant_enc: theirs.sealForHandoff(Buffer.from(row.public_key), `${row.id}|${row.fingerprint}`) })
      .where('id', '=', row.id)
      .execute();
    await fleetCheck(d, true);
    expect(d.ctx.vault.sealed).toBe(true);
    expect(
      await d.ctx.database.db.selectFrom('unseal_requests').selectAll().where('id', '=', row.id).execute(),
    ).toEqual([]);

    // A fingerprint nobody published is refused, and writes nothing.
    await fleetCheck(d, true); // a new request, with a new key pair
    const second = fleetWatcherOf(d.ctx)!.fingerprint!;
    expect(second).not.toBe(first);
    await expect(approveHandoff(a.ctx, 'cli', first)).rejects.toMatchObject({ code: 'not_found' });
    await expect(approveHandoff(a.ctx, 'cli', 'not a fingerprint')).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // The operator approves the fingerprint the new instance showed, on an unsealed instance.
    await approveHandoff(a.ctx, 'cli', second.toUpperCase());
    await fleetCheck(d, true);
    expect(d.ctx.vault.sealed).toBe(false);
    expect(d.ctx.vault.requireKeyring().keyId).toBe(a.ctx.vault.requireKeyring().keyId);
    const audit = await d.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'reason'])
      .where('action', 'in', ['server.unseal_handoff', 'server.unseal', 'server.unseal_failed'])
      .orderBy('seq')
      .execute();
    expect(audit.slice(-3).map((e) => e.action)).toEqual([
      'server.unseal_failed',
      'server.unseal_handoff',
      'server.unseal',
    ]);
    expect(audit.at(-1)!.reason).toBe(`hand-off ${second}`);
    expect(await d.ctx.database.db.selectFrom('unseal_requests').selectAll().execute()).toEqual([]);

    // "Seal now" given to an instance that is already sealed (B, say just restarted) still seals
    // the rest of the deployment: in an emergency, whichever instance the operator reaches works.
    expect(b.ctx.vault.sealed).toBe(true);
    await fleetCheck(d); // a round after its unseal (the watcher notes the epoch it unsealed at)
    await sealFromActor(b.ctx, { kind: 'cli', id: 'cli' });
    await fleetCheck(a);
    await fleetCheck(d);
    expect(a.ctx.vault.sealed).toBe(true);
    expect(d.ctx.vault.sealed).toBe(true);
    const brakes = await b.ctx.database.db
      .selectFrom('audit_log')
      .select('actor')
      .where('action', '=', 'server.seal_fleet')
      .execute();
    expect(brakes).toEqual([{ actor: 'cli' }]);
  });
});

function fleetApp(i: Instance) {
  return { app: i.app, ctx: i.ctx, config: i.ctx.config, logs: i.logs, close: i.close };
}

/** One round of an instance's fleet watch (its timer does this every few seconds). */
async function fleetCheck(i: Instance, handoff = false): Promise<void> {
  await fleetWatcherOf(i.ctx)!.check({ handoff });
}
