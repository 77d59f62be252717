import type { Locale } from '../../../../platform/i18n/index.ts';

/**
 * What the Telegram bot needs from family tracing (ADR 0161), registered by the composition
 * root (app.ts) with `registerTelegramTracing`: intake never imports the tracing module, which
 * sits above it. Without it the bot offers no tracing and withholds nothing (app.ts always
 * registers it).
 */
export interface TelegramTracingHooks {
  /** The text answers, in the order asked (relationship is asked with buttons after them, before the last). */
  readonly textFields: readonly string[];
  /** Asked with buttons, after all text fields but the last. */
  readonly relationships: readonly string[];
  /** Whether a case is a family member's (only those file tracing requests). */
  isFamilyCase(caseId: string): Promise<boolean>;
  /** Checks one answer; the message to show when it is refused, in `lang`. */
  checkField(field: string, value: string, lang: Locale): string | undefined;
  /** Files the request on the chat's case; a retry with the same key files nothing twice. */
  file(input: {
    caseId: string;
    answers: Record<string, string>;
    lang: Locale;
    retryKey: string;
  }): Promise<{ replay: boolean }>;
  /** Which of these inbox messages are tracing's: the bot sends only a notice for them. */
  withheld(messageIds: readonly string[]): Promise<Set<string>>;
  /** The bot's tracing texts (tracing owns them). */
  text(lang: Locale, key: TelegramTracingText): string;
  /** A field's question, or a relationship's button label. */
  label(lang: Locale, kind: 'field' | 'relationship', name: string): string;
}

export type TelegramTracingText =
  | 'offer'
  | 'offer_button'
  | 'intro'
  | 'skip'
  | 'ask_relationship'
  | 'confirm'
  | 'yes'
  | 'no'
  | 'done'
  | 'not_family'
  | 'cancelled'
  | 'failed'
  | 'news';
