import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../../../test/support/app.ts';
import { countRows } from '../../../../../test/support/db.ts';
import { intakeTestConfig, replyAsStaff } from '../../../../../test/support/intake.ts';
import { startTelegramStandIn, type TelegramCall } from '../../../../../test/support/telegram.ts';
import { listApplicantVisibleMessages } from '../../../cases/index.ts';
import { unsealWithDevKey } from '../../../keys/index.ts';
import { im } from '../../intake.messages.ts';
import { intakeRuntimeOf } from '../../intake.plugin.tsx';

/**
 * The Telegram channel against a local stand-in for Telegram's Bot API on 127.0.0.1 (the
 * only fake allowed): the real grammY bot, the real webhook route with its secret header.
 */
const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789';
const SECRET = 'webhook-secret-0123456789';
const CHAT = 987654321;

describe('Telegram channel (webhook mode, stand-in Bot API)', () => {
  let t: TestApp;
  let standIn: Awaited<ReturnType<typeof startTelegramStandIn>>;
  let calls: TelegramCall[] = [];
  let updateId = 1000;

  beforeAll(async () => {
    standIn = await startTelegramStandIn();
    calls = standIn.calls;
    const apiRoot = standIn.apiRoot;
    t = await buildTestApp({
      config: {
        intake: intakeTestConfig({
          telegram: { token: TOKEN, apiRoot, mode: 'webhook', webhookSecret: SECRET },
        }),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });

  const chat = { id: CHAT, type: 'private', first_name: 'A' };
  const from = { id: CHAT, is_bot: false, first_name: 'A' };
  const hook = (update: object, secret = SECRET) => {
    updateId += 1;
    return t.app.inject({
      method: 'POST',
      url: '/telegram/webhook',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      payload: { update_id: updateId, ...update },
    });
  };
  const text = (value: string, entities?: object[]) =>
    hook({
      message: { message_id: updateId, date: 0, chat, from, text: value, ...(entities ? { entities } : {}) },
    });
  const press = (data: string) =>
    hook({
      callback_query: {
        id: `cb${updateId}`,
        from,
        chat_instance: 'x',
        data,
        message: { message_id: 1, date: 0, chat, text: 'q' },
      },
    });
  const sent = () => calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.body.text));

  it('refuses webhook calls without the secret header', async () => {
    const res = await hook(
      { message: { message_id: 1, date: 0, chat, from, text: '/start' } },
      'wrong-secret-000000000',
    );
    expect(res.statusCode).toBe(401);
  });

  it('runs the whole conversation, files a case, gives a codename, then delivers a staff reply', async () => {
    expect((await text('/start', [{ type: 'bot_command', offset: 0, length: 6 }])).statusCode).toBe(200);
    expect(sent().at(-1)).toContain('Choose a language');
    await press('lang:en');
    expect(sent()).toContain(im('en', 'tg.safety'));
    await press('type:deserter');
    await text('Kazakhstan');
    await press('urg:hiding');
    await text('I left my unit and hide in Almaty. <b>help</b>');
    await press('confirm:yes');
    const out = sent();
    expect(out).toContain(im('en', 'tg.sent'));
    expect(out.at(-1)).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} ext\. \d{6}$/);

    const link = await t.ctx.database.db
      .selectFrom('intake_telegram_links')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(Buffer.from(link.chat_enc).includes(Buffer.from(String(CHAT)))).toBe(false);
    const caseRow = await t.ctx.database.db
      .selectFrom('cases')
      .select(['ref', 'urgency', 'country'])
      .where('id', '=', link.case_id)
      .executeTakeFirstOrThrow();
    expect(caseRow.urgency).toBe(3);
    expect(caseRow.country).toBe('KZ');

    // A later message is added to the case.
    await text('One more thing');
    expect(sent().at(-1)).toBe(im('en', 'tg.added'));
    expect((await listApplicantVisibleMessages(t.ctx, link.case_id)).map((m) => m.body)).toEqual([
      'One more thing',
    ]);

    // A staff reply written in the workspace reaches the chat, once.
    await replyAsStaff(t, caseRow.ref, 'Stay where you are; a volunteer will write.');
    const telegram = intakeRuntimeOf(t.ctx).telegram!;
    expect(await telegram.deliverReplies()).toBe(1);
    expect(await telegram.deliverReplies()).toBe(0);
    const delivered = calls.filter((c) => c.method === 'sendMessage').at(-1)!;
    expect(delivered.body.chat_id).toBe(CHAT);
    expect(String(delivered.body.text)).toContain('Stay where you are; a volunteer will write.');
  });

  it('"Seal now" forgets conversations in progress: after the unseal the half-told story is gone', async () => {
    const other = { id: CHAT + 1, type: 'private', first_name: 'B' };
    const otherFrom = { id: CHAT + 1, is_bot: false, first_name: 'B' };
    const say = (value: string, entities?: object[]) =>
      hook({
        message: {
          message_id: updateId,
          date: 0,
          chat: other,
          from: otherFrom,
          text: value,
          ...(entities ? { entities } : {}),
        },
      });
    const tap = (data: string) =>
      hook({
        callback_query: {
          id: `cb${updateId}`,
          from: otherFrom,
          chat_instance: 'y',
          data,
          message: { message_id: 1, date: 0, chat: other, text: 'q' },
        },
      });
    await say('/start', [{ type: 'bot_command', offset: 0, length: 6 }]);
    await tap('lang:en');
    await tap('type:deserter');
    await say('Kazakhstan');
    await tap('urg:hiding');
    t.ctx.vault.seal();
    await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
    const cases = await countRows(t.ctx.database.db, 'cases');
    // The story arrives after the unseal: no conversation is waiting for it any more.
    await say('A story told to a server that was sealed meanwhile');
    expect(sent().at(-1)).toBe(im('ru', 'tg.restart'));
    await tap('confirm:yes');
    expect(await countRows(t.ctx.database.db, 'cases')).toBe(cases);
  });

  it('a chat with a case is told so by /start; a re-delivered update files nothing twice', async () => {
    await text('/start', [{ type: 'bot_command', offset: 0, length: 6 }]);
    expect(sent().at(-1)).toBe(im('en', 'tg.again'));
    const other = { id: CHAT + 1, type: 'private', first_name: 'B' };
    const otherFrom = { id: CHAT + 1, is_bot: false, first_name: 'B' };
    const as = (update: object) =>
      t.app.inject({
        method: 'POST',
        url: '/telegram/webhook',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        payload: update,
      });
    const msg = (id: number, value: string, entities?: object[]) =>
      as({
        update_id: id,
        message: {
          message_id: id,
          date: 0,
          chat: other,
          from: otherFrom,
          text: value,
          ...(entities ? { entities } : {}),
        },
      });
    const cb = (id: number, data: string) =>
      as({
        update_id: id,
        callback_query: {
          id: `c${id}`,
          from: otherFrom,
          chat_instance: 'y',
          data,
          message: { message_id: 1, date: 0, chat: other, text: 'q' },
        },
      });
    const count = async () => countRows(t.ctx.database.db, 'cases');
    await msg(5001, '/start', [{ type: 'bot_command', offset: 0, length: 6 }]);
    await cb(5002, 'lang:ru');
    await cb(5003, 'type:-');
    await msg(5004, '-');
    await cb(5005, 'urg:unsure');
    await msg(5006, 'История');
    const before = await count();
    await cb(5007, 'confirm:yes');
    expect(await count()).toBe(before + 1);
    const codenames = sent().filter((x) => /^\+7 /.test(x));
    await cb(5007, 'confirm:yes'); // Telegram re-sends an update it believes failed
    expect(await count()).toBe(before + 1);
    expect(sent().filter((x) => /^\+7 /.test(x)).length).toBe(codenames.length);
  });
});
