import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import { intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import { startTelegramStandIn, type TelegramCall } from '../../../test/support/telegram.ts';
import type { StaffActor } from '../../access/index.ts';
import { createAppJobRunner } from '../../server.ts';
import { listApplicantVisibleMessages, updatePerson } from '../cases/index.ts';
import { intakeRuntimeOf, issuePartnerToken } from '../intake/index.ts';
import type { JobRunner } from '../jobs/index.ts';
import { tm } from './tracing.messages.ts';
import { decideProposal, fileTelegramRequest, listProposals, recordConsent } from './tracing.service.ts';

/**
 * Family tracing through the Telegram bot and the partner API, and re-matching (issue 20
 * item 5, ADRs 0161-0162). Only Telegram's servers are faked (a stand-in Bot API on
 * 127.0.0.1, as the bot's own tests do); the database is real.
 */
const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789';
const SECRET = 'webhook-secret-0123456789';
/** The son, as his caseworker writes him down (Latin script only). */
const SON = { givenNameLatin: 'Sergei', familyNameLatin: 'Ivanov', birthDate: '1999-03-14' };
const SON_MESSAGE = 'tg-withheld-canary: mama, I am in Tbilisi';

describe('family tracing through Telegram and the partner API', () => {
  let t: TestApp;
  let standIn: Awaited<ReturnType<typeof startTelegramStandIn>>;
  let calls: TelegramCall[];
  let runner: JobRunner;
  let cw: StaffActor;
  let partnerToken: string;
  let updateId = 7000;

  beforeAll(async () => {
    standIn = await startTelegramStandIn();
    calls = standIn.calls;
    t = await buildTestApp({
      config: {
        intake: intakeTestConfig({
          telegram: { token: TOKEN, apiRoot: standIn.apiRoot, mode: 'webhook', webhookSecret: SECRET },
        }),
      },
    });
    runner = createAppJobRunner(t.ctx);
    cw = staffActor({ id: (await buildStaff(t.ctx, 'caseworker')).id, role: 'caseworker' });
    // Issuing a token needs only an administrator's role (no sign-in: no password hashing here).
    const admin = staffActor({ id: randomUUID(), role: 'admin' });
    partnerToken = (await issuePartnerToken(t.ctx, admin, { label: 'Hotline' })).token;
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });

  // --- Telegram, as Telegram's servers call the webhook -------------------------------------
  const hook = (update: object, id = ++updateId) =>
    t.app.inject({
      method: 'POST',
      url: '/telegram/webhook',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      payload: { update_id: id, ...update },
    });
  const chatOf = (id: number, type = 'private') => ({
    chat: { id, type, first_name: 'M', ...(type === 'private' ? {} : { title: 'g' }) },
    from: { id, is_bot: false, first_name: 'M' },
  });
  const say = (chatId: number, text: string, type = 'private') => {
    const { chat, from } = chatOf(chatId, type);
    const command = text.startsWith('/')
      ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }]
      : undefined;
    return hook({
      message: { message_id: updateId, date: 0, chat, from, text, ...(command ? { entities: command } : {}) },
    });
  };
  const press = (chatId: number, data: string, id?: number) => {
    const { chat, from } = chatOf(chatId);
    return hook(
      {
        callback_query: {
          id: `cb${updateId}`,
          from,
          chat_instance: 'x',
          data,
          message: { message_id: 1, date: 0, chat, text: 'q' },
        },
      },
      id,
    );
  };
  const sentTo = (chatId: number) =>
    calls
      .filter((c) => c.method === 'sendMessage' && c.body.chat_id === chatId)
      .map((c) => String(c.body.text));
  const last = (chatId: number) => sentTo(chatId).at(-1);
  const requests = () => countRows(t.ctx.database.db, 'tracing_requests');
  const inbox = async (caseId: string) =>
    (await listApplicantVisibleMessages(t.ctx, caseId))
      .filter((m) => m.direction === 'out')
      .map((m) => m.body);

  const MOTHER = 555001;
  let motherCaseId: string;
  let son: { id: string; ref: string };

  it('Telegram: a family member files a tracing request in a conversation, checked like the web form', async () => {
    // Her case first, as the bot's intake always runs (Russian, a family member).
    await say(MOTHER, '/start');
    await press(MOTHER, 'lang:ru');
    await press(MOTHER, 'type:family');
    await say(MOTHER, '-');
    await press(MOTHER, 'urg:unsure');
    await say(MOTHER, 'Ищу сына');
    await press(MOTHER, 'confirm:yes');
    expect(last(MOTHER)).toBe(tm('ru', 'tg.offer'));
    const link = await t.ctx.database.db
      .selectFrom('intake_telegram_links')
      .select('case_id')
      .executeTakeFirstOrThrow();
    motherCaseId = link.case_id;
    await t.ctx.database.db
      .updateTable('cases')
      .set({ assignee_id: cw.id })
      .where('id', '=', motherCaseId)
      .execute();

    await press(MOTHER, 'trace:start');
    expect(sentTo(MOTHER).at(-2)).toBe(tm('ru', 'tg.intro'));
    expect(last(MOTHER)).toContain(tm('ru', 'field.family_name'));
    // Hostile answers are refused with the form's own message, and asked again; nothing kept.
    await say(MOTHER, 'Иван\u0007ов');
    expect(sentTo(MOTHER).at(-2)).toBe(tm('ru', 'field.invalid'));
    await say(MOTHER, 'И'.repeat(101));
    expect(sentTo(MOTHER).at(-2)).toBe(tm('ru', 'field.too_long'));
    await say(MOTHER, 'Иванов');
    await say(MOTHER, 'Сергей');
    await say(MOTHER, '-');
    await say(MOTHER, '31.02.99');
    expect(sentTo(MOTHER).at(-2)).toBe(tm('ru', 'field.date'));
    await say(MOTHER, '14.03.1999');
    await say(MOTHER, '<b>в/ч</b> 12345');
    await say(MOTHER, 'Белгород');
    await say(MOTHER, 'март 2025');
    expect(last(MOTHER)).toBe(tm('ru', 'tg.ask_relationship'));
    // A forged button (not offered) changes nothing: the question stands.
    await press(MOTHER, 'trel:admin');
    await press(MOTHER, 'tconfirm:yes');
    expect(last(MOTHER)).toBe(tm('ru', 'tg.ask_relationship'));
    // Text where a button is expected: the question again.
    const asked = sentTo(MOTHER).length;
    await say(MOTHER, 'mother');
    expect([sentTo(MOTHER).length, last(MOTHER)]).toEqual([asked + 1, tm('ru', 'tg.ask_relationship')]);
    await press(MOTHER, 'trel:mother');
    expect(last(MOTHER)).toContain(tm('ru', 'field.safe_contact'));
    await say(MOTHER, 'только здесь');
    expect(last(MOTHER)).toBe(tm('ru', 'tg.confirm'));
    const before = await requests();
    const confirmId = ++updateId;
    await press(MOTHER, 'tconfirm:yes', confirmId);
    expect(last(MOTHER)).toBe(tm('ru', 'tg.done'));
    expect(await requests()).toBe(before + 1);
    // Telegram re-sends an update it believes failed: nothing is filed twice.
    await press(MOTHER, 'tconfirm:yes', confirmId);
    expect(await requests()).toBe(before + 1);
    const row = await t.ctx.database.db
      .selectFrom('tracing_requests')
      .select(['source', 'case_id', 'idempotency_hash'])
      .where('source', '=', 'telegram')
      .executeTakeFirstOrThrow();
    expect(row.case_id).toBe(motherCaseId);
    expect(row.idempotency_hash).not.toBeNull();
    // Filed but not yet forgotten when the process died: the same update files nothing twice.
    const again = {
      caseId: motherCaseId,
      answers: { family_name: 'Сидоров', given_name: 'Пётр', relationship: 'father' },
    };
    expect(await fileTelegramRequest(t.ctx, { ...again, lang: 'ru', retryKey: 'chat|1' })).toEqual({
      replay: false,
    });
    expect(await fileTelegramRequest(t.ctx, { ...again, lang: 'ru', retryKey: 'chat|1' })).toEqual({
      replay: true,
    });
    expect(await requests()).toBe(before + 2);
  });

  it('Telegram: refuses tracing to chats without a family case and ignores group chats', async () => {
    const STRANGER = 555002;
    await say(STRANGER, '/trace');
    expect(last(STRANGER)).toBe(tm('ru', 'tg.not_family'));
    await press(STRANGER, 'trel:mother');
    await press(STRANGER, 'tconfirm:yes');
    expect(last(STRANGER)).toBe(tm('ru', 'tg.not_family'));
    const GROUP = -100555;
    await say(GROUP, '/trace', 'group');
    expect(sentTo(GROUP)).toEqual([]);
    expect(await countRows(t.ctx.database.db, 'telegram_conversations')).toBe(0);
  });

  it('re-matching: the son writes in later, in Latin script; his case re-matches the open request, once', async () => {
    expect(await listProposals(t.ctx, cw)).toEqual([]);
    son = await buildCase(t.ctx, {
      person: { ...SON, documents: [], family: [] },
      assigneeId: cw.id,
    });
    await runner.runUntilIdle();
    const proposals = await listProposals(t.ctx, cw);
    expect(proposals.map((p) => [p.familyRef !== son.ref, p.soughtRef])).toEqual([[true, son.ref]]);
    // Editing his person again queues the job again: the same pair is not proposed twice.
    const version = async () =>
      (
        await t.ctx.database.db
          .selectFrom('cases')
          .select('version')
          .where('id', '=', son.id)
          .executeTakeFirstOrThrow()
      ).version;
    const edit = async (person: Record<string, string>) =>
      updatePerson(t.ctx, cw, son.ref, { version: await version(), ...person });
    await edit({ ...SON, location: 'Tbilisi' });
    await runner.runUntilIdle();
    expect(await countRows(t.ctx.database.db, 'tracing_proposals')).toBe(1);
    // Dismissed: not proposed again while the compared data stay the same…
    await decideProposal(t.ctx, cw, proposals[0]!.id, 'rejected');
    await edit({ ...SON, location: 'Batumi' });
    await runner.runUntilIdle();
    expect(await listProposals(t.ctx, cw)).toEqual([]);
    // …and proposed again once they change (a patronymic learnt later).
    await edit({ ...SON, patronymic: 'Petrovich' });
    await runner.runUntilIdle();
    const again = await listProposals(t.ctx, cw);
    expect(again.map((p) => [p.id, p.status])).toEqual([[proposals[0]!.id, 'proposed']]);
    expect(await countRows(t.ctx.database.db, 'tracing_proposals')).toBe(1);
  });

  it('Telegram: what he allowed is never pushed into the chat; the bot says to read the inbox', async () => {
    const [p] = await listProposals(t.ctx, cw);
    await decideProposal(t.ctx, cw, p!.id, 'confirmed');
    await recordConsent(t.ctx, cw, p!.id, {
      decision: 'given',
      method: 'in_person',
      allows: ['alive', 'message'],
      message: SON_MESSAGE,
    });
    // The inbox has exactly what he allowed …
    expect((await inbox(motherCaseId)).join('\n')).toContain(SON_MESSAGE);
    // … and Telegram gets only the notice, in her language.
    const telegram = intakeRuntimeOf(t.ctx).telegram!;
    await telegram.tick();
    expect(await telegram.deliverReplies()).toBe(1);
    expect(last(MOTHER)).toBe(tm('ru', 'tg.news'));
    expect(JSON.stringify(calls)).not.toContain('Tbilisi');
    expect(JSON.stringify(calls)).not.toContain('tg-withheld-canary');
  });

  // --- Partner API ---------------------------------------------------------------------------
  const body = {
    sought: {
      familyName: 'Koval',
      givenName: 'Andrii',
      birthDate: '1996-05-02',
      unit: 'unit 1',
      lastPlace: 'Kherson',
      lastContact: 'May 2025',
    },
    relationship: 'partner',
    safeContact: 'only through the hotline',
    language: 'uk',
  };
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/tracing-requests',
      headers: {
        authorization: `Bearer ${partnerToken}`,
        'content-type': 'application/json',
        ...headers,
      },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('partner API: refuses hostile or incomplete calls in English with stable codes, storing nothing', async () => {
    const counts = async () =>
      Promise.all([countRows(t.ctx.database.db, 'cases'), requests(), countRows(t.ctx.database.db, 'jobs')]);
    const before = await counts();
    const key = { 'idempotency-key': 'hostile-0001' };
    const refusals: Array<[unknown, Record<string, string>, number, string, string | undefined]> = [
      [body, { authorization: 'Bearer sanctuary_pt_wrong' }, 401, 'unauthenticated', undefined],
      [body, {}, 400, 'validation_failed', 'Idempotency-Key'],
      [{ ...body, caseRef: 'C-00000000' }, key, 400, 'validation_failed', 'body'],
      [
        { ...body, sought: { ...body.sought, familyName: 'Ko\u0000val' } },
        key,
        400,
        'validation_failed',
        'sought.familyName',
      ],
      [
        { ...body, sought: { ...body.sought, givenName: '\ud800x' } },
        key,
        400,
        'validation_failed',
        'sought.givenName',
      ],
      [
        { ...body, sought: { ...body.sought, familyName: 7 } },
        key,
        400,
        'validation_failed',
        'sought.familyName',
      ],
      [{ ...body, sought: { unit: 'u' } }, key, 400, 'validation_failed', 'sought.familyName'],
      [{ ...body, relationship: 'handler' }, key, 400, 'validation_failed', 'relationship'],
      [
        { ...body, sought: { ...body.sought, birthDate: '1996-13-40' } },
        key,
        400,
        'validation_failed',
        'sought.birthDate',
      ],
      ['{"sought":', key, 400, 'bad_request', undefined],
      [[body], key, 400, 'validation_failed', 'body'],
    ];
    for (const [payload, headers, status, code, field] of refusals) {
      const res = await post(payload, headers);
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
      if (field !== undefined) expect(Object.keys(res.json().error.fieldCodes)).toContain(field);
      expect(res.json().error.message).toMatch(/^[\x20-\x7e]+$/);
      expect(res.body).not.toMatch(/\.ts:\d+|\n\s+at /);
    }
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tracing-requests',
      headers: {
        authorization: `Bearer ${partnerToken}`,
        'content-type': 'text/plain',
        'idempotency-key': 'hostile-0002',
      },
      payload: 'Koval',
    });
    expect(notJson.statusCode).toBe(415);
    const huge = await post(
      { ...body, safeContact: 'x'.repeat(70_000) },
      { 'idempotency-key': 'hostile-0003' },
    );
    expect(huge.statusCode).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('partner API: files the family case and its request together, idempotently, with a codename for the family', async () => {
    const key = { 'idempotency-key': 'call-2026-12-09-0001' };
    const cases = await countRows(t.ctx.database.db, 'cases');
    const res = await post(body, key);
    expect(res.statusCode).toBe(201);
    const { caseRef, codename } = res.json() as { caseRef: string; codename: string };
    expect(caseRef).toMatch(/^C-[0-9A-Z]{8}$/);
    // A retry answers the first call and stores nothing; the same key with another body is a 409.
    const retry = await post(body, key);
    expect([retry.statusCode, retry.headers['idempotent-replayed'], retry.json()]).toEqual([
      201,
      'true',
      { caseRef, codename },
    ]);
    const other = await post({ ...body, relationship: 'sibling' }, key);
    expect([other.statusCode, other.json().error.code]).toEqual([409, 'conflict']);
    expect(await countRows(t.ctx.database.db, 'cases')).toBe(cases + 1);
    const row = await t.ctx.database.db
      .selectFrom('tracing_requests as r')
      .innerJoin('cases as c', 'c.id', 'r.case_id')
      .select(['r.source', 'c.applicant_type', 'c.id'])
      .where('c.ref', '=', caseRef)
      .execute();
    expect(row.map((r) => [r.source, r.applicant_type])).toEqual([['partner', 'family']]);
    // Matched by its job; the family, signed in with the codename, sees nothing of it.
    await runner.runUntilIdle();
    const family = new Client(t.app);
    expect((await signInApplicant(family, codename, 'uk')).statusCode).toBe(303);
    expect(await inbox(row[0]!.id)).toEqual([]);
    // The API's document describes the route, with the partner's own token.
    const doc = await t.app.inject({
      method: 'GET',
      url: '/api/v1/openapi.json',
      headers: { authorization: `Bearer ${partnerToken}` },
    });
    const paths = (doc.json() as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/api/v1/submissions', '/api/v1/tracing-requests']),
    );
  });
});
