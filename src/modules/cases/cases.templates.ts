import type { Locale } from '../../platform/i18n/index.ts';

/**
 * Reply templates, each in the three languages. Variables in braces are filled in on the
 * server from the case (`{greeting}`: a greeting with the given name, or a neutral one when
 * no name is known; `{ref}`; `{date}`: a date three days ahead); the caseworker edits the
 * text before sending. Templates carry no personal data themselves.
 */
export interface ReplyTemplate {
  id: string;
  title: Record<Locale, string>;
  body: Record<Locale, string>;
}

export const REPLY_TEMPLATES: readonly ReplyTemplate[] = [
  {
    id: 'acknowledge',
    title: {
      en: 'We received your message',
      ru: 'Мы получили ваше сообщение',
      uk: 'Ми отримали ваше повідомлення',
    },
    body: {
      en: '{greeting} we received your message and a caseworker is looking at it now. Please check this inbox again tomorrow. Do not share your codename with anyone.',
      ru: '{greeting} Мы получили ваше сообщение, и сотрудник уже занимается им. Пожалуйста, проверьте этот ящик завтра. Никому не сообщайте своё кодовое имя.',
      uk: '{greeting} Ми отримали ваше повідомлення, і співробітник уже ним займається. Будь ласка, перевірте цю скриньку завтра. Нікому не повідомляйте своє кодове ім’я.',
    },
  },
  {
    id: 'documents',
    title: { en: 'Documents we need', ru: 'Какие документы нужны', uk: 'Які документи потрібні' },
    body: {
      en: '{greeting} to prepare the next step we need photos of your identity documents (internal and international passport, military ID if you have one). Upload them through this page only. Reference: {ref}.',
      ru: '{greeting} Для следующего шага нам нужны фотографии ваших документов (внутренний и заграничный паспорт, военный билет, если есть). Загружайте их только через эту страницу. Номер обращения: {ref}.',
      uk: '{greeting} Для наступного кроку нам потрібні фотографії ваших документів (внутрішній і закордонний паспорт, військовий квиток, якщо є). Завантажуйте їх лише через цю сторінку. Номер звернення: {ref}.',
    },
  },
  {
    id: 'safety',
    title: { en: 'Staying safe', ru: 'Как оставаться в безопасности', uk: 'Як залишатися в безпеці' },
    body: {
      en: '{greeting} until we speak again: do not discuss your plans by phone or in messengers linked to your number, and delete this conversation from shared devices. We will write again by {date}.',
      ru: '{greeting} Пока мы не свяжемся снова: не обсуждайте свои планы по телефону и в мессенджерах, привязанных к вашему номеру, и удаляйте эту переписку с общих устройств. Мы напишем не позже {date}.',
      uk: '{greeting} Доки ми знову не зв’яжемося: не обговорюйте свої плани телефоном і в месенджерах, прив’язаних до вашого номера, і видаляйте це листування зі спільних пристроїв. Ми напишемо не пізніше {date}.',
    },
  },
];

export function findTemplate(id: unknown): ReplyTemplate | undefined {
  return REPLY_TEMPLATES.find((t) => t.id === id);
}

/** The greeting with a name, and the neutral one when no name is known ("Hello ," never). */
const GREETINGS: Record<Locale, { named: (name: string) => string; neutral: string }> = {
  en: { named: (name) => `Hello ${name},`, neutral: 'Hello,' },
  ru: { named: (name) => `Здравствуйте, ${name}.`, neutral: 'Здравствуйте.' },
  uk: { named: (name) => `Вітаємо, ${name}.`, neutral: 'Вітаємо.' },
};

export function greeting(locale: Locale, name: string | undefined): string {
  const n = (name ?? '').replace(/\s+/g, ' ').trim();
  return n === '' ? GREETINGS[locale].neutral : GREETINGS[locale].named(n);
}

/**
 * Fills `{greeting}` (from `vars.name`, neutral when it is empty or missing), `{ref}` and
 * `{date}`. Unknown variables stay as they are.
 */
export function fillTemplate(template: ReplyTemplate, locale: Locale, vars: Record<string, string>): string {
  const all: Record<string, string> = { ...vars, greeting: greeting(locale, vars.name) };
  return template.body[locale].replace(/\{(\w+)\}/g, (m, name: string) => all[name] ?? m);
}

/**
 * Puts a template into the reply box without losing what is being typed: an empty draft
 * becomes the template, anything else keeps its text and gets the template appended.
 */
export function insertTemplate(draft: string, filled: string): string {
  return draft.trim() === '' ? filled : `${draft.replace(/\s+$/, '')}\n\n${filled}`;
}
