import type { Locale } from '../../platform/i18n/index.ts';

/**
 * Reply templates, each in the three languages. Variables in braces are filled in on the
 * server from the case (`{name}`: the given name, `{ref}`, `{date}`: today); the caseworker
 * edits the text before sending. Templates carry no personal data themselves.
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
      en: 'Hello {name}, we received your message and a caseworker is looking at it now. Please check this inbox again tomorrow. Do not share your codename with anyone.',
      ru: 'Здравствуйте, {name}. Мы получили ваше сообщение, и сотрудник уже занимается им. Пожалуйста, проверьте этот ящик завтра. Никому не сообщайте своё кодовое имя.',
      uk: 'Вітаємо, {name}. Ми отримали ваше повідомлення, і співробітник уже ним займається. Будь ласка, перевірте цю скриньку завтра. Нікому не повідомляйте своє кодове ім’я.',
    },
  },
  {
    id: 'documents',
    title: { en: 'Documents we need', ru: 'Какие документы нужны', uk: 'Які документи потрібні' },
    body: {
      en: 'Hello {name}, to prepare the next step we need photos of your identity documents (internal and international passport, military ID if you have one). Upload them through this page only. Reference: {ref}.',
      ru: 'Здравствуйте, {name}. Для следующего шага нам нужны фотографии ваших документов (внутренний и заграничный паспорт, военный билет, если есть). Загружайте их только через эту страницу. Номер обращения: {ref}.',
      uk: 'Вітаємо, {name}. Для наступного кроку нам потрібні фотографії ваших документів (внутрішній і закордонний паспорт, військовий квиток, якщо є). Завантажуйте їх лише через цю сторінку. Номер звернення: {ref}.',
    },
  },
  {
    id: 'safety',
    title: { en: 'Staying safe', ru: 'Как оставаться в безопасности', uk: 'Як залишатися в безпеці' },
    body: {
      en: 'Hello {name}, until we speak again: do not discuss your plans by phone or in messengers linked to your number, and delete this conversation from shared devices. We will write again by {date}.',
      ru: 'Здравствуйте, {name}. Пока мы не свяжемся снова: не обсуждайте свои планы по телефону и в мессенджерах, привязанных к вашему номеру, и удаляйте эту переписку с общих устройств. Мы напишем не позже {date}.',
      uk: 'Вітаємо, {name}. Доки ми знову не зв’яжемося: не обговорюйте свої плани телефоном і в месенджерах, прив’язаних до вашого номера, і видаляйте це листування зі спільних пристроїв. Ми напишемо не пізніше {date}.',
    },
  },
];

export function findTemplate(id: unknown): ReplyTemplate | undefined {
  return REPLY_TEMPLATES.find((t) => t.id === id);
}

/** Fills `{name}`, `{ref}` and `{date}`. Unknown variables stay as they are. */
export function fillTemplate(template: ReplyTemplate, locale: Locale, vars: Record<string, string>): string {
  return template.body[locale].replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
}
