import { z } from 'zod';
import { LOCALES, type Locale } from '../../platform/i18n/index.ts';
import { textField } from '../intake/index.ts';

/**
 * The organisation's settings (ADR 0193) and its own intake questions (ADR 0195), as stored
 * (one JSON document per version) and as an administrator's form sends them. Every text is
 * plain, bounded and checked like an applicant's (no control characters, no broken encoding);
 * it is only ever rendered escaped.
 */

export const NAME_MAX = 80;
export const WELCOME_MAX = 1_500;
export const PRIVACY_MAX = 8_000;
export const CONTACT_PERSON_MAX = 200;
export const MAX_QUESTIONS = 6;
export const LABEL_MAX = 150;
export const OPTION_MAX = 60;
export const MAX_OPTIONS = 8;
export const SHORT_ANSWER_MAX = 200;
export const LONG_ANSWER_MAX = 2_000;

export const QUESTION_TYPES = ['short_text', 'long_text', 'yes_no', 'choice', 'date'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const perLocale = <T extends z.ZodType>(value: T) =>
  z.strictObject({ ru: value.optional(), uk: value.optional(), en: value.optional() });

const questionSchema = z.strictObject({
  id: z.string().regex(/^q[1-9]$/),
  type: z.enum(QUESTION_TYPES),
  required: z.boolean(),
  label: perLocale(textField(LABEL_MAX)),
  options: z.array(perLocale(textField(OPTION_MAX))).max(MAX_OPTIONS),
});
export type Question = z.output<typeof questionSchema>;

/** One version's public settings, as stored in `organisation_versions.settings`. */
export const settingsSchema = z.strictObject({
  name: perLocale(textField(NAME_MAX)),
  contacts: z.strictObject({
    telegram: z.string().optional(),
    signal: z.string().optional(),
    email: z.string().optional(),
  }),
  welcome: perLocale(textField(WELCOME_MAX)),
  privacy: perLocale(textField(PRIVACY_MAX)),
  questions: z.array(questionSchema).max(MAX_QUESTIONS),
});
export type Settings = z.output<typeof settingsSchema>;

export const EMPTY_SETTINGS: Settings = Object.freeze({
  name: {},
  contacts: {},
  welcome: {},
  privacy: {},
  questions: [],
}) as Settings;

/** A text in a language, or (if only some languages were given) the first one given. */
export function inLocale(
  texts: { readonly [L in Locale]?: string | undefined },
  locale: Locale,
): string | undefined {
  const own = texts[locale];
  if (own !== undefined && own !== '') return own;
  for (const l of LOCALES) {
    const other = texts[l];
    if (other !== undefined && other !== '') return other;
  }
  return undefined;
}

const TELEGRAM = /^@?([A-Za-z][A-Za-z0-9_]{4,31})$/;
const SIGNAL = /^\+[1-9][0-9]{7,14}$/;
const emailSchema = z.email().max(254);

type FieldErrors = Record<string, string>;

/** Reads one text field of the form (absent is empty); records an error under its name. */
function formText(body: Record<string, unknown>, name: string, max: number, errors: FieldErrors): string {
  const raw = body[name];
  if (raw === undefined) return '';
  const parsed = textField(max).safeParse(raw);
  if (!parsed.success) {
    errors[name] = 'organisation.field.text';
    return '';
  }
  return parsed.data;
}

/** Keeps the languages given (empty means "use the built-in text"). */
function given(values: Record<Locale, string>): { [L in Locale]?: string } {
  const out: { [L in Locale]?: string } = {};
  for (const l of LOCALES) if (values[l] !== '') out[l] = values[l];
  return out;
}

const byLocale = (read: (l: Locale) => string): Record<Locale, string> => ({
  ru: read('ru'),
  uk: read('uk'),
  en: read('en'),
});

/**
 * The administrator's settings form → settings and the staff-only contact person, or field
 * errors (message keys by field name). Contacts are normalised (the Telegram "@", spaces in a
 * number); a list question needs 2 to 8 options, the same number in every language given.
 */
export function parseSettingsForm(
  input: unknown,
): { ok: true; settings: Settings; contactPerson: string } | { ok: false; errors: FieldErrors } {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const name = byLocale((l) => formText(body, `name_${l}`, NAME_MAX, errors));
  for (const l of LOCALES)
    if (errors[`name_${l}`] !== undefined) errors[`name_${l}`] = 'organisation.field.name';
  const welcome = byLocale((l) => formText(body, `welcome_${l}`, WELCOME_MAX, errors));
  const privacy = byLocale((l) => formText(body, `privacy_${l}`, PRIVACY_MAX, errors));
  const contactPerson = formText(body, 'contact_person', CONTACT_PERSON_MAX, errors);

  const contacts: Settings['contacts'] = {};
  const telegram = formText(body, 'telegram', 40, errors);
  if (telegram !== '') {
    const match = TELEGRAM.exec(telegram);
    if (match === null) errors.telegram = 'organisation.field.telegram';
    else contacts.telegram = match[1]!;
  }
  const signal = formText(body, 'signal', 40, errors).replace(/[\s-]/g, '');
  if (signal !== '') {
    if (!SIGNAL.test(signal)) errors.signal = 'organisation.field.signal';
    else contacts.signal = signal;
  }
  const email = formText(body, 'email', 254, errors);
  if (email !== '') {
    if (!emailSchema.safeParse(email).success) errors.email = 'organisation.field.email';
    else contacts.email = email;
  }

  const questions: Question[] = [];
  for (let n = 1; n <= MAX_QUESTIONS; n++) {
    const field = `q${n}`;
    const type = body[`${field}_type`] ?? '';
    const label = byLocale((l) => formText(body, `${field}_label_${l}`, LABEL_MAX, errors));
    const optionLines = byLocale((l) =>
      formText(body, `${field}_options_${l}`, (OPTION_MAX + 2) * MAX_OPTIONS, errors),
    );
    const labels = given(label);
    if (type === '' && Object.keys(labels).length === 0) continue;
    const bad = () => {
      errors[`${field}_type`] = 'organisation.field.question';
    };
    if (typeof type !== 'string' || !(QUESTION_TYPES as readonly string[]).includes(type)) {
      bad();
      continue;
    }
    if (Object.keys(labels).length === 0) {
      bad();
      continue;
    }
    const options: Question['options'] = [];
    if (type === 'choice') {
      const lists = LOCALES.map((l) => [l, splitOptions(optionLines[l])] as const).filter(
        ([, o]) => o.length > 0,
      );
      const count = lists[0]?.[1].length ?? 0;
      if (
        count < 2 ||
        count > MAX_OPTIONS ||
        lists.some(([, o]) => o.length !== count || o.some((x) => x.length > OPTION_MAX))
      ) {
        bad();
        continue;
      }
      for (let i = 0; i < count; i++) {
        const option: Partial<Record<Locale, string>> = {};
        for (const [l, o] of lists) option[l] = o[i]!;
        options.push(option);
      }
    }
    questions.push({
      id: field,
      type: type as QuestionType,
      required: body[`${field}_required`] === '1',
      label: labels,
      options,
    });
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const settings = settingsSchema.parse({
    name: given(name),
    contacts,
    welcome: given(welcome),
    privacy: given(privacy),
    questions,
  });
  return { ok: true, settings, contactPerson };
}

function splitOptions(text: string): string[] {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
