import type { FastifyInstance } from 'fastify';
import { Bot, type Context, InlineKeyboard, webhookCallback } from 'grammy';
import type { AppContext } from '../../../../context.ts';
import { decryptFieldText, encryptField, formatCodename, sharedStateKey } from '../../../../crypto/index.ts';
import { isAppError } from '../../../../platform/errors.ts';
import type { Locale } from '../../../../platform/i18n/index.ts';
import { addApplicantMessage, subjectOf } from '../../../cases/index.ts';
import { InstanceLease } from '../../../jobs/index.ts';
import { openSubjectKey } from '../../../keys/index.ts';
import { type IntakeMessageKey, im } from '../../intake.messages.ts';
import {
  findTelegramLinkByChat,
  listUndeliveredTelegramReplies,
  markTelegramDelivered,
} from '../../intake.repository.ts';
import { APPLICANT_TYPES, COUNTRIES, MESSAGE_MAX, STORY_MAX, URGENCIES } from '../../intake.schemas.ts';
import { type IntakeRuntime, submitFromTelegram, telegramChatHash } from '../../intake.service.ts';
import type { TelegramTracingHooks } from './telegram-tracing.ts';
import {
  deleteTelegramConversation,
  deleteTelegramConversations,
  findTelegramConversation,
  saveTelegramConversation,
} from '../../shared-state.repository.ts';

/**
 * The Telegram channel (ADR 0047), on grammY. The same flow as the web: language, safety
 * notice (what Telegram can see), a few questions, the codename, then replies from
 * caseworkers delivered into the chat.
 *
 * - Conversation state is in the database (ADR 0117), encrypted under a keyring-derived key
 *   and keyed by a keyed hash of the chat id, so any instance continues a conversation that
 *   another began; it is deleted when the case is filed, after an hour idle, or at a seal.
 * - Long polling and the delivery of staff replies run on one instance at a time: the holder
 *   of the `telegram` lease (ADR 0117). Webhook calls may reach any instance.
 * - Chat ids are stored only encrypted under the case key, with a keyed hash to find them.
 * - Staff replies (case_messages "out") are delivered by a poller that remembers, per chat,
 *   the last message sequence delivered: durable across restarts, at-least-once.
 * - Webhook mode checks Telegram's secret header; polling mode needs no public address.
 */
type Step =
  | 'language'
  | 'type'
  | 'country'
  | 'urgency'
  | 'story'
  | 'confirm'
  // A tracing request (ADR 0161): text answers one by one, the relationship by button, then the last text answer.
  | 'trace_text'
  | 'trace_relationship'
  | 'trace_confirm';
interface Conversation {
  step: Step;
  locale: Locale;
  answers: { applicantType?: string; country?: string; region?: string; urgency?: string; story?: string };
  /** A tracing request in progress: which text field is asked now, and the answers so far. */
  trace?: { field: number; values: Record<string, string> };
}

/** Busy rather than wrong: the person is asked to try again later, and nothing is forgotten. */
function isBusy(error: unknown): boolean {
  return (
    isAppError(error) &&
    (error.code === 'overloaded' || error.code === 'sealed' || error.code === 'unavailable')
  );
}

/** "14.03.1999" as people write it → "1999-03-14" as the form takes it; anything else unchanged. */
function isoDate(value: string): string {
  const m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(value);
  return m === null ? value : `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
}

/** A conversation idle this long is forgotten. */
const CONVERSATION_IDLE_MS = 60 * 60_000;
/** The `telegram` lease: renewed every poll round, taken over this long after its holder died. */
export const TELEGRAM_LEASE_MS = 30_000;

const COUNTRY_WORDS: Record<string, string> = {
  россия: 'RU',
  росія: 'RU',
  russia: 'RU',
  рф: 'RU',
  беларусь: 'BY',
  білорусь: 'BY',
  belarus: 'BY',
  казахстан: 'KZ',
  kazakhstan: 'KZ',
  грузия: 'GE',
  грузія: 'GE',
  georgia: 'GE',
  армения: 'AM',
  вірменія: 'AM',
  armenia: 'AM',
  турция: 'TR',
  туреччина: 'TR',
  turkey: 'TR',
  сербия: 'RS',
  сербія: 'RS',
  serbia: 'RS',
};

export class TelegramChannel {
  readonly bot: Bot;
  readonly #ctx: AppContext;
  readonly #rt: IntakeRuntime;
  readonly #lease: InstanceLease;
  #leader = false;
  #polling: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delivering = false;
  readonly #unsubscribe: () => void;

  constructor(ctx: AppContext, rt: IntakeRuntime) {
    const token = ctx.config.intake.telegram.token;
    if (token === undefined) throw new Error('TELEGRAM_BOT_TOKEN is not set');
    this.#ctx = ctx;
    this.#rt = rt;
    this.bot = new Bot(token, { client: { apiRoot: ctx.config.intake.telegram.apiRoot } });
    this.#install();
    // "Seal now" forgets every conversation in progress (finding 16 of issue 12): their answers,
    // the story among them, are personal data held in memory, and a seal is the emergency brake.
    // A person half-way through is asked to start again (tg.restart) after the unseal.
    // Every instance does this at a seal (ADR 0116 seals them all): the rows are deleted,
    // not merely unreadable until the next unseal.
    this.#unsubscribe = ctx.vault.onChange((sealed) => {
      if (sealed) {
        deleteTelegramConversations(ctx.database.db).catch((err: unknown) =>
          ctx.logger.warn(
            { err: { name: err instanceof Error ? err.name : 'Error' } },
            'telegram conversations not deleted at seal',
          ),
        );
      }
    });
    this.#lease = new InstanceLease({
      db: () => ctx.database.db,
      name: 'telegram',
      ttlMs: TELEGRAM_LEASE_MS,
    });
  }

  #hash(chatId: number): Buffer {
    return telegramChatHash(this.#ctx, String(chatId));
  }

  #binding(chatHash: Buffer) {
    return { table: 'telegram_conversations', column: 'state', rowId: chatHash.toString('hex') };
  }

  async #conversation(chatId: number): Promise<Conversation | undefined> {
    const chatHash = this.#hash(chatId);
    const row = await findTelegramConversation(
      this.#ctx.database.db,
      chatHash,
      new Date(Date.now() - CONVERSATION_IDLE_MS),
    );
    if (row === undefined) return undefined;
    const key = sharedStateKey(this.#ctx.vault.requireKeyring(), 'telegram-conversation');
    try {
      return JSON.parse(
        decryptFieldText(key, Buffer.from(row.state_enc), this.#binding(chatHash)),
      ) as Conversation;
    } finally {
      key.dispose();
    }
  }

  async #save(chatId: number, conv: Conversation): Promise<void> {
    const chatHash = this.#hash(chatId);
    const key = sharedStateKey(this.#ctx.vault.requireKeyring(), 'telegram-conversation');
    try {
      await saveTelegramConversation(this.#ctx.database.db, {
        chat_hash: chatHash,
        state_enc: encryptField(key, JSON.stringify(conv), this.#binding(chatHash)),
        touched_at: new Date(),
      });
    } finally {
      key.dispose();
    }
  }

  async #forget(chatId: number): Promise<void> {
    await deleteTelegramConversation(this.#ctx.database.db, this.#hash(chatId));
  }

  #install(): void {
    const bot = this.bot;
    const m = (c: Conversation | Locale, key: IntakeMessageKey) =>
      im(typeof c === 'string' ? c : c.locale, key);

    bot.command('start', async (tg) => {
      if (tg.chat.type !== 'private') return;
      // One case per chat: a chat that already has one keeps writing into it.
      const link = await findTelegramLinkByChat(
        this.#ctx.database.db,
        telegramChatHash(this.#ctx, String(tg.chat.id)),
      );
      if (link !== undefined) {
        await tg.reply(im(link.locale, 'tg.again'));
        return;
      }
      await this.#save(tg.chat.id, { step: 'language', locale: 'ru', answers: {} });
      await tg.reply(im('ru', 'tg.choose_language'), {
        reply_markup: new InlineKeyboard()
          .text('Русский', 'lang:ru')
          .text('Українська', 'lang:uk')
          .text('English', 'lang:en'),
      });
    });

    bot.callbackQuery(/^lang:(ru|uk|en)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const chatId = tg.chat?.id;
      if (chatId === undefined) return;
      const locale = tg.match[1] as Locale;
      const conv: Conversation = { step: 'type', locale, answers: {} };
      await this.#save(chatId, conv);
      await tg.reply(m(conv, 'tg.safety'));
      const kb = new InlineKeyboard();
      APPLICANT_TYPES.forEach((t, i) => {
        kb.text(m(conv, `form.type.${t}` as IntakeMessageKey), `type:${t}`);
        if (i % 2 === 1) kb.row();
      });
      kb.row().text(m(conv, 'form.type.none'), 'type:-');
      await tg.reply(m(conv, 'tg.ask_type'), { reply_markup: kb });
    });

    bot.callbackQuery(/^type:([a-z-]+)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : await this.#conversation(chatId);
      if (chatId === undefined || conv === undefined || conv.step !== 'type') return;
      const value = tg.match[1]!;
      if (value !== '-' && (APPLICANT_TYPES as readonly string[]).includes(value))
        conv.answers.applicantType = value;
      conv.step = 'country';
      await this.#save(chatId, conv);
      await tg.reply(m(conv, 'tg.ask_country'));
    });

    bot.callbackQuery(/^urg:([a-z-]+)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : await this.#conversation(chatId);
      if (chatId === undefined || conv === undefined || conv.step !== 'urgency') return;
      const value = tg.match[1]!;
      if ((URGENCIES as readonly string[]).includes(value)) conv.answers.urgency = value;
      conv.step = 'story';
      await this.#save(chatId, conv);
      await tg.reply(m(conv, 'tg.ask_story'));
    });

    bot.callbackQuery(/^confirm:(yes|no)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : await this.#conversation(chatId);
      if (chatId === undefined || conv === undefined || conv.step !== 'confirm') return;
      if (tg.match[1] === 'no') {
        await this.#forget(chatId);
        await tg.reply(m(conv, 'tg.restart'));
        return;
      }
      await this.#file(tg, chatId, conv);
    });

    // Family tracing (ADR 0161): /trace, or the button offered after a family member's case is filed.
    bot.command('trace', async (tg) => {
      if (tg.chat.type !== 'private') return;
      await this.#startTrace(tg, tg.chat.id);
    });
    bot.callbackQuery('trace:start', async (tg) => {
      await tg.answerCallbackQuery();
      if (tg.chat?.type !== 'private') return;
      await this.#startTrace(tg, tg.chat.id);
    });
    bot.callbackQuery(/^trel:([a-z_]{1,20})$/, async (tg) => {
      await tg.answerCallbackQuery();
      const hooks = this.#rt.tracing;
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : await this.#conversation(chatId);
      if (hooks === undefined || chatId === undefined || conv?.trace === undefined) return;
      if (conv.step !== 'trace_relationship' || !hooks.relationships.includes(tg.match[1]!)) return;
      conv.trace.values.relationship = tg.match[1]!;
      conv.step = 'trace_text';
      await this.#save(chatId, conv);
      await this.#askTraceField(tg, conv, hooks);
    });
    bot.callbackQuery(/^tconfirm:(yes|no)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const hooks = this.#rt.tracing;
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : await this.#conversation(chatId);
      if (hooks === undefined || chatId === undefined || conv?.trace === undefined) return;
      if (conv.step !== 'trace_confirm') return;
      if (tg.match[1] === 'no') {
        await this.#forget(chatId);
        await tg.reply(hooks.text(conv.locale, 'cancelled'));
        return;
      }
      await this.#fileTrace(tg, chatId, conv, hooks);
    });

    bot.on('message:text', async (tg) => {
      if (tg.chat.type !== 'private') return;
      const conv = await this.#conversation(tg.chat.id);
      const text = tg.message.text;
      if (conv?.trace !== undefined && this.#rt.tracing !== undefined) {
        // Text where a button is expected: the same question again, with its buttons.
        if (conv.step === 'trace_text') await this.#traceAnswer(tg, tg.chat.id, conv, this.#rt.tracing, text);
        else await this.#askTraceButtons(tg, conv, this.#rt.tracing);
        return;
      }
      if (conv === undefined) {
        await this.#appendToCase(tg, tg.chat.id, text);
        return;
      }
      if (conv.step === 'country') {
        const word = text.trim().toLowerCase();
        const code = /^[a-z]{2}$/i.test(word) ? word.toUpperCase() : COUNTRY_WORDS[word];
        if (code !== undefined && /^[A-Z]{2}$/.test(code))
          conv.answers.country = (COUNTRIES as readonly string[]).includes(code) ? code : 'OTHER';
        else if (word !== '-' && word !== '') {
          conv.answers.country = 'OTHER';
          conv.answers.region = text.trim().slice(0, 100);
        }
        conv.step = 'urgency';
        await this.#save(tg.chat.id, conv);
        const kb = new InlineKeyboard();
        for (const u of URGENCIES)
          kb.text(m(conv, `form.urgency.${u}` as IntakeMessageKey), `urg:${u}`).row();
        await tg.reply(m(conv, 'tg.ask_urgency'), { reply_markup: kb });
        return;
      }
      if (conv.step === 'story') {
        conv.answers.story = text.slice(0, STORY_MAX);
        conv.step = 'confirm';
        await this.#save(tg.chat.id, conv);
        await tg.reply(m(conv, 'tg.confirm'), {
          reply_markup: new InlineKeyboard()
            .text(m(conv, 'tg.yes'), 'confirm:yes')
            .text(m(conv, 'tg.no'), 'confirm:no'),
        });
        return;
      }
      await tg.reply(m(conv, 'tg.restart'));
    });
  }

  async #file(tg: Context, chatId: number, conv: Conversation): Promise<void> {
    try {
      const result = await submitFromTelegram(this.#ctx, this.#rt, {
        chatId: String(chatId),
        updateId: tg.update.update_id,
        locale: conv.locale,
        answers: { ...conv.answers, documents: [], needs: [], contact: 'telegram' },
      });
      await this.#forget(chatId);
      await tg.reply(im(conv.locale, 'tg.sent'));
      await tg.reply(formatCodename(result.codename, im(conv.locale, 'codename.ext')));
      const hooks = this.#rt.tracing;
      if (conv.answers.applicantType === 'family' && hooks !== undefined) {
        await tg.reply(hooks.text(conv.locale, 'offer'), {
          reply_markup: new InlineKeyboard().text(hooks.text(conv.locale, 'offer_button'), 'trace:start'),
        });
      }
    } catch (error) {
      if (isBusy(error)) {
        await tg.reply(im(conv.locale, 'tg.busy'));
        return;
      }
      if (isAppError(error) && error.code === 'validation_failed') {
        await this.#forget(chatId);
        await tg.reply(im(conv.locale, 'form.error.story_or_need'));
        await tg.reply(im(conv.locale, 'tg.restart'));
        return;
      }
      throw error;
    }
  }

  /** Starts a tracing request in a chat whose case is a family member's (ADR 0161). */
  async #startTrace(tg: Context, chatId: number): Promise<void> {
    const hooks = this.#rt.tracing;
    if (hooks === undefined) return;
    const link = await findTelegramLinkByChat(
      this.#ctx.database.db,
      telegramChatHash(this.#ctx, String(chatId)),
    );
    if (link === undefined || !(await hooks.isFamilyCase(link.case_id))) {
      await tg.reply(hooks.text(link?.locale ?? 'ru', 'not_family'));
      return;
    }
    const conv: Conversation = {
      step: 'trace_text',
      locale: link.locale,
      answers: {},
      trace: { field: 0, values: {} },
    };
    await this.#save(chatId, conv);
    await tg.reply(hooks.text(conv.locale, 'intro'));
    await this.#askTraceField(tg, conv, hooks);
  }

  /** Asks the current text field, or the relationship (buttons) before the last one. */
  async #askTraceField(tg: Context, conv: Conversation, hooks: TelegramTracingHooks): Promise<void> {
    const trace = conv.trace!;
    const field = hooks.textFields[trace.field]!;
    await tg.reply(`${hooks.label(conv.locale, 'field', field)}\n${hooks.text(conv.locale, 'skip')}`);
  }

  /** The question of a step answered with buttons (relationship, confirmation), with its buttons. */
  async #askTraceButtons(tg: Context, conv: Conversation, hooks: TelegramTracingHooks): Promise<void> {
    if (conv.step === 'trace_relationship') {
      const kb = new InlineKeyboard();
      hooks.relationships.forEach((r, i) => {
        kb.text(hooks.label(conv.locale, 'relationship', r), `trel:${r}`);
        if (i % 2 === 1) kb.row();
      });
      await tg.reply(hooks.text(conv.locale, 'ask_relationship'), { reply_markup: kb });
      return;
    }
    await tg.reply(hooks.text(conv.locale, 'confirm'), {
      reply_markup: new InlineKeyboard()
        .text(hooks.text(conv.locale, 'yes'), 'tconfirm:yes')
        .text(hooks.text(conv.locale, 'no'), 'tconfirm:no'),
    });
  }

  async #traceAnswer(
    tg: Context,
    chatId: number,
    conv: Conversation,
    hooks: TelegramTracingHooks,
    text: string,
  ): Promise<void> {
    const trace = conv.trace!;
    const field = hooks.textFields[trace.field]!;
    const raw = text.trim();
    const value = raw === '-' ? '' : field === 'birth_date' ? isoDate(raw) : raw;
    const refused = hooks.checkField(field, value, conv.locale);
    if (refused !== undefined) {
      // The same question again; nothing of the refused answer is kept.
      await tg.reply(refused);
      await this.#askTraceField(tg, conv, hooks);
      return;
    }
    trace.values[field] = value;
    trace.field += 1;
    const last = hooks.textFields.length - 1;
    if (trace.field === last && trace.values.relationship === undefined) {
      conv.step = 'trace_relationship';
      await this.#save(chatId, conv);
      await this.#askTraceButtons(tg, conv, hooks);
      return;
    }
    if (trace.field > last) {
      conv.step = 'trace_confirm';
      await this.#save(chatId, conv);
      await this.#askTraceButtons(tg, conv, hooks);
      return;
    }
    await this.#save(chatId, conv);
    await this.#askTraceField(tg, conv, hooks);
  }

  /**
   * Files the tracing request on the chat's case. The retry key is the chat's keyed handle and
   * the update id: Telegram re-sending this update files nothing twice.
   */
  async #fileTrace(
    tg: Context,
    chatId: number,
    conv: Conversation,
    hooks: TelegramTracingHooks,
  ): Promise<void> {
    const chatHash = telegramChatHash(this.#ctx, String(chatId));
    const link = await findTelegramLinkByChat(this.#ctx.database.db, chatHash);
    if (link === undefined) {
      await this.#forget(chatId);
      await tg.reply(hooks.text(conv.locale, 'not_family'));
      return;
    }
    try {
      await hooks.file({
        caseId: link.case_id,
        answers: conv.trace!.values,
        lang: conv.locale,
        retryKey: `${chatHash.toString('hex')}|${tg.update.update_id}`,
      });
      await this.#forget(chatId);
      await tg.reply(hooks.text(conv.locale, 'done'));
    } catch (error) {
      if (isBusy(error)) {
        await tg.reply(im(conv.locale, 'tg.busy'));
        return;
      }
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'not_found')) {
        // Nothing was written; the request starts again from the first question.
        await this.#forget(chatId);
        await tg.reply(hooks.text(conv.locale, 'failed'));
        return;
      }
      throw error;
    }
  }

  async #appendToCase(tg: Context, chatId: number, text: string): Promise<void> {
    const link = await findTelegramLinkByChat(
      this.#ctx.database.db,
      telegramChatHash(this.#ctx, String(chatId)),
    );
    if (link === undefined) {
      await tg.reply(im('ru', 'tg.restart'));
      return;
    }
    const body = text.slice(0, MESSAGE_MAX);
    await addApplicantMessage(this.#ctx, link.case_id, body);
    await tg.reply(im(link.locale, 'tg.added'));
  }

  /** Sends staff replies that have not reached their chat yet. Returns how many were sent. */
  async deliverReplies(): Promise<number> {
    if (this.#delivering || this.#ctx.vault.sealed || !this.#leader) return 0;
    this.#delivering = true;
    let sent = 0;
    try {
      const db = this.#ctx.database.db;
      const rows = await listUndeliveredTelegramReplies(db, 50);
      // Family tracing's messages carry what a sought person allowed to be passed on: never
      // into Telegram. The chat gets a notice to read the inbox instead (ADR 0161).
      const hooks = this.#rt.tracing;
      const withheld =
        hooks === undefined ? new Set<string>() : await hooks.withheld(rows.map((r) => r.message_id));
      for (const row of rows) {
        const key = await openSubjectKey(db, this.#ctx.vault, subjectOf(row.case_id));
        let chatId: string;
        let text: string;
        try {
          chatId = decryptFieldText(key, Buffer.from(row.chat_enc), {
            table: 'intake_telegram_links',
            column: 'chat',
            rowId: row.case_id,
          });
          text =
            hooks !== undefined && withheld.has(row.message_id)
              ? hooks.text(row.locale, 'news')
              : `${im(row.locale, 'tg.reply')}\n\n${decryptFieldText(key, Buffer.from(row.body_enc), {
                  table: 'case_messages',
                  column: 'body',
                  rowId: row.message_id,
                })}`;
        } finally {
          key.dispose();
        }
        await this.bot.api.sendMessage(Number(chatId), text);
        await markTelegramDelivered(db, row.chat_hash, row.seq);
        sent += 1;
      }
    } finally {
      this.#delivering = false;
    }
    return sent;
  }

  /** Whether this instance holds the `telegram` lease (polls, delivers replies). */
  get leader(): boolean {
    return this.#leader;
  }

  /**
   * One round of leadership: takes or renews the lease; the holder polls Telegram (polling
   * mode), an instance that lost it, or is sealed, stops polling. Run by the reply timer; tests
   * call it with their own time.
   */
  async tick(now = Date.now()): Promise<boolean> {
    if (this.#ctx.vault.sealed) {
      // A sealed instance can neither file nor deliver: it leaves the lease to an unsealed one.
      await this.#stopPolling();
      if (this.#leader) {
        this.#leader = false;
        await this.#lease.release();
      }
      return false;
    }
    this.#leader = await this.#lease.acquire(now);
    if (this.#ctx.config.intake.telegram.mode !== 'polling') return this.#leader;
    if (this.#leader && this.#polling === undefined) {
      // Not awaited: bot.start() runs until stop(). Errors are logged without content.
      this.#polling = this.bot
        .start({ drop_pending_updates: false, allowed_updates: ['message', 'callback_query'] })
        .catch((err: unknown) =>
          this.#ctx.logger.error(
            { err: { name: err instanceof Error ? err.name : 'Error' } },
            'telegram polling stopped',
          ),
        )
        .finally(() => {
          this.#polling = undefined;
        });
    } else if (!this.#leader && this.#polling !== undefined) {
      await this.#stopPolling();
    }
    return this.#leader;
  }

  async #stopPolling(): Promise<void> {
    const polling = this.#polling;
    if (polling === undefined) return;
    if (this.bot.isRunning()) await this.bot.stop();
    await polling;
  }

  /** Starts the bot (polling or webhook route) and the reply poller. */
  async start(app: FastifyInstance, options: { pollEveryMs?: number; lead?: boolean } = {}): Promise<void> {
    const cfg = this.#ctx.config.intake.telegram;
    const log = this.#ctx.logger;
    this.bot.catch((err) =>
      log.error(
        { err: { name: err.error instanceof Error ? err.error.name : 'Error' } },
        'telegram update failed',
      ),
    );
    if (cfg.mode === 'webhook') {
      const handle = webhookCallback(this.bot, 'fastify', { secretToken: cfg.webhookSecret ?? '' });
      app.post('/telegram/webhook', async (request, reply) => {
        if (this.bot.isInited() === false) await this.bot.init();
        return handle(request, reply);
      });
    }
    const every = options.pollEveryMs ?? 3_000;
    this.#timer = setInterval(() => {
      this.tick()
        .then(() => this.deliverReplies())
        .catch((err: unknown) =>
          log.warn(
            { err: { name: err instanceof Error ? err.name : 'Error' } },
            'telegram reply delivery failed; will retry',
          ),
        );
    }, every);
    this.#timer.unref();
    if (options.lead !== false) {
      await this.tick().catch((err: unknown) =>
        log.warn(
          { err: { name: err instanceof Error ? err.name : 'Error' } },
          'telegram lease not taken; will retry',
        ),
      );
    }
  }

  /** Stops polling and delivery and hands the lease back, so another instance takes over at once. */
  async stop(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#stopPolling();
    if (this.#leader) {
      this.#leader = false;
      await this.#lease.release().catch(() => undefined);
    }
  }
}
