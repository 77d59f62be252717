import type { FastifyInstance } from 'fastify';
import { Bot, type Context, InlineKeyboard, webhookCallback } from 'grammy';
import type { AppContext } from '../../../../context.ts';
import { decryptFieldText, formatCodename } from '../../../../crypto/index.ts';
import { isAppError } from '../../../../platform/errors.ts';
import type { Locale } from '../../../../platform/i18n/index.ts';
import { addApplicantMessage, subjectOf } from '../../../cases/index.ts';
import { openSubjectKey } from '../../../keys/index.ts';
import { type IntakeMessageKey, im } from '../../intake.messages.ts';
import {
  findTelegramLinkByChat,
  listUndeliveredTelegramReplies,
  markTelegramDelivered,
} from '../../intake.repository.ts';
import { APPLICANT_TYPES, MESSAGE_MAX, STORY_MAX, URGENCIES } from '../../intake.schemas.ts';
import { type IntakeRuntime, submitFromTelegram, telegramChatHash } from '../../intake.service.ts';

/**
 * The Telegram channel (ADR 0047), on grammY. The same flow as the web: language, safety
 * notice (what Telegram can see), a few questions, the codename, then replies from
 * caseworkers delivered into the chat.
 *
 * - Conversation state is in memory only, keyed by a keyed hash of the chat id, and is
 *   dropped when the case is filed (or after an hour).
 * - Chat ids are stored only encrypted under the case key, with a keyed hash to find them.
 * - Staff replies (case_messages "out") are delivered by a poller that remembers, per chat,
 *   the last message sequence delivered: durable across restarts, at-least-once.
 * - Webhook mode checks Telegram's secret header; polling mode needs no public address.
 */
type Step = 'language' | 'type' | 'country' | 'urgency' | 'story' | 'confirm';
interface Conversation {
  step: Step;
  locale: Locale;
  answers: { applicantType?: string; country?: string; region?: string; urgency?: string; story?: string };
  touched: number;
}

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
  readonly #conversations = new Map<string, Conversation>();
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
    this.#unsubscribe = ctx.vault.onChange((sealed) => {
      if (sealed) this.#conversations.clear();
    });
  }

  #key(chatId: number): string {
    return telegramChatHash(this.#ctx, String(chatId)).toString('hex');
  }

  #conversation(chatId: number): Conversation | undefined {
    const c = this.#conversations.get(this.#key(chatId));
    if (c !== undefined && Date.now() - c.touched > 60 * 60_000) {
      this.#conversations.delete(this.#key(chatId));
      return undefined;
    }
    return c;
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
      this.#conversations.set(this.#key(tg.chat.id), {
        step: 'language',
        locale: 'ru',
        answers: {},
        touched: Date.now(),
      });
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
      const conv: Conversation = { step: 'type', locale, answers: {}, touched: Date.now() };
      this.#conversations.set(this.#key(chatId), conv);
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
      const conv = tg.chat === undefined ? undefined : this.#conversation(tg.chat.id);
      if (conv === undefined || conv.step !== 'type') return;
      const value = tg.match[1]!;
      if (value !== '-' && (APPLICANT_TYPES as readonly string[]).includes(value))
        conv.answers.applicantType = value;
      conv.step = 'country';
      conv.touched = Date.now();
      await tg.reply(m(conv, 'tg.ask_country'));
    });

    bot.callbackQuery(/^urg:([a-z-]+)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const conv = tg.chat === undefined ? undefined : this.#conversation(tg.chat.id);
      if (conv === undefined || conv.step !== 'urgency') return;
      const value = tg.match[1]!;
      if ((URGENCIES as readonly string[]).includes(value)) conv.answers.urgency = value;
      conv.step = 'story';
      conv.touched = Date.now();
      await tg.reply(m(conv, 'tg.ask_story'));
    });

    bot.callbackQuery(/^confirm:(yes|no)$/, async (tg) => {
      await tg.answerCallbackQuery();
      const chatId = tg.chat?.id;
      const conv = chatId === undefined ? undefined : this.#conversation(chatId);
      if (chatId === undefined || conv === undefined || conv.step !== 'confirm') return;
      if (tg.match[1] === 'no') {
        this.#conversations.delete(this.#key(chatId));
        await tg.reply(m(conv, 'tg.restart'));
        return;
      }
      await this.#file(tg, chatId, conv);
    });

    bot.on('message:text', async (tg) => {
      if (tg.chat.type !== 'private') return;
      const conv = this.#conversation(tg.chat.id);
      const text = tg.message.text;
      if (conv === undefined) {
        await this.#appendToCase(tg, tg.chat.id, text);
        return;
      }
      conv.touched = Date.now();
      if (conv.step === 'country') {
        const word = text.trim().toLowerCase();
        const code = /^[a-z]{2}$/i.test(word) ? word.toUpperCase() : COUNTRY_WORDS[word];
        if (code !== undefined && /^[A-Z]{2}$/.test(code))
          conv.answers.country = [
            'RU',
            'BY',
            'UA',
            'KZ',
            'GE',
            'AM',
            'KG',
            'UZ',
            'TR',
            'RS',
            'AE',
            'MN',
          ].includes(code)
            ? code
            : 'OTHER';
        else if (word !== '-' && word !== '') {
          conv.answers.country = 'OTHER';
          conv.answers.region = text.trim().slice(0, 100);
        }
        conv.step = 'urgency';
        const kb = new InlineKeyboard();
        for (const u of URGENCIES)
          kb.text(m(conv, `form.urgency.${u}` as IntakeMessageKey), `urg:${u}`).row();
        await tg.reply(m(conv, 'tg.ask_urgency'), { reply_markup: kb });
        return;
      }
      if (conv.step === 'story') {
        conv.answers.story = text.slice(0, STORY_MAX);
        conv.step = 'confirm';
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
      this.#conversations.delete(this.#key(chatId));
      await tg.reply(im(conv.locale, 'tg.sent'));
      await tg.reply(formatCodename(result.codename, im(conv.locale, 'codename.ext')));
    } catch (error) {
      if (
        isAppError(error) &&
        (error.code === 'overloaded' || error.code === 'sealed' || error.code === 'unavailable')
      ) {
        await tg.reply(im(conv.locale, 'tg.busy'));
        return;
      }
      if (isAppError(error) && error.code === 'validation_failed') {
        this.#conversations.delete(this.#key(chatId));
        await tg.reply(im(conv.locale, 'form.error.story_or_need'));
        await tg.reply(im(conv.locale, 'tg.restart'));
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
    if (this.#delivering || this.#ctx.vault.sealed) return 0;
    this.#delivering = true;
    let sent = 0;
    try {
      const db = this.#ctx.database.db;
      const rows = await listUndeliveredTelegramReplies(db, 50);
      for (const row of rows) {
        const key = await openSubjectKey(db, this.#ctx.vault, subjectOf(row.case_id));
        let chatId: string;
        let body: string;
        try {
          chatId = decryptFieldText(key, Buffer.from(row.chat_enc), {
            table: 'intake_telegram_links',
            column: 'chat',
            rowId: row.case_id,
          });
          body = decryptFieldText(key, Buffer.from(row.body_enc), {
            table: 'case_messages',
            column: 'body',
            rowId: row.message_id,
          });
        } finally {
          key.dispose();
        }
        await this.bot.api.sendMessage(Number(chatId), `${im(row.locale, 'tg.reply')}\n\n${body}`);
        await markTelegramDelivered(db, row.chat_hash, row.seq);
        sent += 1;
      }
    } finally {
      this.#delivering = false;
    }
    return sent;
  }

  /** Starts the bot (polling or webhook route) and the reply poller. */
  async start(app: FastifyInstance, options: { pollEveryMs?: number } = {}): Promise<void> {
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
      this.deliverReplies().catch((err: unknown) =>
        log.warn(
          { err: { name: err instanceof Error ? err.name : 'Error' } },
          'telegram reply delivery failed; will retry',
        ),
      );
    }, every);
    this.#timer.unref();
    if (cfg.mode === 'polling') {
      // Not awaited: bot.start() runs until stop(). Errors are logged without content.
      this.bot
        .start({ drop_pending_updates: false, allowed_updates: ['message', 'callback_query'] })
        .catch((err: unknown) =>
          log.error({ err: { name: err instanceof Error ? err.name : 'Error' } }, 'telegram polling stopped'),
        );
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.bot.isRunning()) await this.bot.stop();
  }
}
