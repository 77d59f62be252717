import type { AppContext } from '../../context.ts';
import type { TelegramTracingHooks } from '../intake/index.ts';
import { type TracingMessageKey, tm } from './tracing.messages.ts';
import { RELATIONSHIPS } from './tracing.schemas.ts';
import {
  checkTracingField,
  fileTelegramRequest,
  isFamilyCase,
  TRACING_TEXT_FIELDS,
  type TracingTextField,
  tracingMessageIds,
} from './tracing.service.ts';

/**
 * What the Telegram bot (in the intake module) asks of family tracing (ADR 0161), registered by
 * app.ts: the same fields and checks as the web form, filing on the chat's own case, and which
 * inbox messages are tracing's, so that the bot only says "read your messages" for them.
 */
export function telegramTracingHooks(ctx: AppContext): TelegramTracingHooks {
  const isField = (f: string): f is TracingTextField =>
    (TRACING_TEXT_FIELDS as readonly string[]).includes(f);
  return {
    textFields: TRACING_TEXT_FIELDS,
    relationships: RELATIONSHIPS,
    isFamilyCase: (caseId) => isFamilyCase(ctx, caseId),
    checkField: (field, value, lang) => {
      const refused = isField(field) ? checkTracingField(field, value) : 'field.invalid';
      return refused === undefined ? undefined : tm(lang, refused);
    },
    file: ({ caseId, answers, lang, retryKey }) =>
      fileTelegramRequest(ctx, { caseId, answers: { ...answers }, lang, retryKey }),
    withheld: (ids) => tracingMessageIds(ctx, ids),
    text: (lang, key) => tm(lang, `tg.${key}` as TracingMessageKey),
    label: (lang, kind, name) =>
      tm(lang, `${kind === 'field' ? 'field' : 'rel'}.${name}` as TracingMessageKey),
  };
}
