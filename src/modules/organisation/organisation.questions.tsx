import type { VNode } from 'preact';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { CustomAnswers } from '../intake/index.ts';
import { textField } from '../intake/index.ts';
import { organisationMessages as om } from './organisation.messages.ts';
import {
  inLocale,
  LONG_ANSWER_MAX,
  type Question,
  type Settings,
  SHORT_ANSWER_MAX,
} from './organisation.schemas.ts';
import { publishedOrganisation, publishedSettings } from './organisation.service.ts';

/**
 * The organisation's own intake questions (ADR 0195): rendered into the intake form as plain
 * HTML, checked on submission, stored with the case's other answers (so encrypted under the
 * case's key) under keys that name the questions' version. A later edit publishes a new
 * version and leaves the old one as it was, so an old answer keeps its question.
 */

/** The answers record's keys: the version, and one per answered question. */
export const VERSION_KEY = 'org_questions_version';
export const answerKey = (id: string) => `org_${id}`;
/** Whether an answers record's key is one of these (the version, or an answer to a question). */
export const isCustomAnswerKey = (key: string) => key.startsWith('org_');
const fieldName = (id: string) => `oq_${id}`;
const VERSION_FIELD = 'oq_version';

const shortText = textField(SHORT_ANSWER_MAX);
const longText = textField(LONG_ANSWER_MAX);
const isoDate = z.iso.date();

/** The version a posted form answered: the one it names if this server has it, else the current one. */
function answeredVersion(ctx: AppContext, body: Record<string, unknown>) {
  const named = Number(body[VERSION_FIELD]);
  const current = publishedOrganisation(ctx);
  if (Number.isInteger(named) && named !== current?.version) {
    const settings = publishedSettings(ctx, named);
    if (settings !== undefined) return { version: named, settings };
  }
  return current === undefined ? undefined : { version: current.version, settings: current.settings };
}

/** One answer checked against its question: the value to store, undefined for none, or an error key. */
function checkAnswer(q: Question, raw: unknown): { value?: string; error?: string } {
  if (raw !== undefined && typeof raw !== 'string') return { error: 'organisation.error.invalid' };
  const given = raw === undefined ? '' : raw;
  if (given.trim() === '') return q.required ? { error: 'organisation.error.required' } : {};
  switch (q.type) {
    case 'short_text':
    case 'long_text': {
      const parsed = (q.type === 'short_text' ? shortText : longText).safeParse(given);
      if (parsed.success) return { value: parsed.data };
      return {
        error:
          parsed.error.issues[0]?.message === 'too_long'
            ? 'organisation.error.too_long'
            : 'organisation.error.invalid',
      };
    }
    case 'yes_no':
      return given === 'yes' || given === 'no' ? { value: given } : { error: 'organisation.error.invalid' };
    case 'choice': {
      const index = /^[0-9]{1,2}$/.test(given) ? Number(given) : -1;
      return index >= 0 && index < q.options.length
        ? { value: String(index) }
        : { error: 'organisation.error.invalid' };
    }
    case 'date':
      return isoDate.safeParse(given).success ? { value: given } : { error: 'organisation.error.date' };
  }
}

/** Checks a posted form's answers to the questions it was shown (nothing is stored on an error). */
export function readCustomAnswers(ctx: AppContext, input: unknown): CustomAnswers {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const answered = answeredVersion(ctx, body);
  if (answered === undefined || answered.settings.questions.length === 0) return { ok: true, record: {} };
  const record: Record<string, string> = { [VERSION_KEY]: String(answered.version) };
  const errors: Record<string, string> = {};
  for (const q of answered.settings.questions) {
    const checked = checkAnswer(q, body[fieldName(q.id)]);
    if (checked.error !== undefined) errors[fieldName(q.id)] = checked.error;
    else if (checked.value !== undefined) record[answerKey(q.id)] = checked.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, record };
}

/** The form's questions block for a version's settings (the preview renders a draft's). */
export function QuestionsBlock(props: {
  locale: Locale;
  version: number;
  settings: Settings;
  values: Readonly<Record<string, unknown>>;
  errors: Readonly<Record<string, string>>;
}): VNode | null {
  const l = props.locale;
  if (props.settings.questions.length === 0) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, LONG_ANSWER_MAX * 2) : '');
  return (
    <div class="org-questions">
      <input type="hidden" name={VERSION_FIELD} value={String(props.version)} />
      {props.settings.questions.map((q) => {
        const name = fieldName(q.id);
        const label = `${inLocale(q.label, l) ?? ''}${q.required ? '' : ` ${om(l, 'organisation.optional')}`}`;
        const value = text(props.values[name]);
        const error = props.errors[name];
        const err = error === undefined ? null : <p class="err">{om(l, error as never)}</p>;
        if (q.type === 'yes_no' || q.type === 'choice') {
          const choices =
            q.type === 'yes_no'
              ? [
                  ['yes', om(l, 'organisation.yes')],
                  ['no', om(l, 'organisation.no')],
                ]
              : q.options.map((o, i) => [String(i), inLocale(o, l) ?? '']);
          return (
            <fieldset key={q.id}>
              <legend>{label}</legend>
              {choices.map(([v, text]) => (
                <label key={v}>
                  <input type="radio" name={name} value={v} checked={value === v} /> {text}
                </label>
              ))}
              {err}
            </fieldset>
          );
        }
        return (
          <div key={q.id}>
            <label class="block" for={name}>
              {label}
            </label>
            {q.type === 'long_text' ? (
              <textarea id={name} name={name} maxLength={LONG_ANSWER_MAX}>
                {value}
              </textarea>
            ) : q.type === 'date' ? (
              <input type="date" id={name} name={name} value={value} />
            ) : (
              <input
                type="text"
                id={name}
                name={name}
                maxLength={SHORT_ANSWER_MAX}
                value={value}
                autocomplete="off"
              />
            )}
            {err}
          </div>
        );
      })}
    </div>
  );
}

/** The intake form's block for the published questions (or the version a re-shown form answered). */
export function publishedQuestionsBlock(
  ctx: AppContext,
  locale: Locale,
  body: unknown,
  errors: Readonly<Record<string, string>>,
): VNode | null {
  const values = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const answered = answeredVersion(ctx, values);
  if (answered === undefined) return null;
  return (
    <QuestionsBlock
      locale={locale}
      version={answered.version}
      settings={answered.settings}
      values={values}
      errors={errors}
    />
  );
}

/**
 * A case's answers to the organisation's questions, readable: the version they answered, and
 * each answered question's label with its answer (yes/no and choices in words). `unknown` when
 * the version is not among the published ones (it is shown as such, never as raw keys).
 */
function readableAnswers(
  ctx: AppContext | undefined,
  l: Locale,
  answers: Readonly<Record<string, string>>,
): { version: number; rows: Array<readonly [string, string]> } | { unknown: string } | undefined {
  const raw = answers[VERSION_KEY];
  if (raw === undefined) return undefined;
  const version = Number(raw);
  const settings = ctx === undefined ? undefined : publishedSettings(ctx, version);
  if (settings === undefined) return { unknown: raw };
  const rows = settings.questions.flatMap((q) => {
    const a = answers[answerKey(q.id)];
    if (a === undefined) return [];
    const readable =
      q.type === 'yes_no'
        ? om(l, a === 'yes' ? 'organisation.yes' : 'organisation.no')
        : q.type === 'choice'
          ? (inLocale(q.options[Number(a)] ?? {}, l) ?? a)
          : a;
    return [[inLocale(q.label, l) ?? q.id, readable] as const];
  });
  return { version, rows };
}

/** A case's answers to the organisation's questions, with the labels of the version they answered. */
export function CaseAnswers(props: {
  ctx: AppContext | undefined;
  locale: Locale;
  answers: Readonly<Record<string, string>>;
}): VNode | null {
  const l = props.locale;
  const read = readableAnswers(props.ctx, l, props.answers);
  if (read === undefined) return null;
  if ('unknown' in read) {
    return <p class="muted">{om(l, 'organisation.case.unknown_version', { version: read.unknown })}</p>;
  }
  return (
    <div class="org-answers">
      <h3>{om(l, 'organisation.case.answers', { version: read.version })}</h3>
      <dl>{read.rows.map(([q, a], i) => [<dt key={`${i}-q`}>{q}</dt>, <dd key={`${i}-a`}>{a}</dd>])}</dl>
    </div>
  );
}

/** The same answers as "question: answer" lines, for the case summary PDF. */
export function caseAnswersText(
  ctx: AppContext,
  l: Locale,
  answers: Readonly<Record<string, string>>,
): Array<readonly [string, string]> {
  const read = readableAnswers(ctx, l, answers);
  if (read === undefined) return [];
  if ('unknown' in read)
    return [[om(l, 'organisation.case.unknown_version', { version: read.unknown }), '—']];
  return read.rows;
}
