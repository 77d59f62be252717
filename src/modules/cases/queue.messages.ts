import { defineMessages, type Locale } from '../../platform/i18n/index.ts';

/**
 * Texts of the queue's saved views, sorting and count, and of search's key facts and free-text
 * search (issue 21 item 2), in en, ru and uk. Kept apart from cases.messages.ts so that the
 * case-file work and this one merge cleanly.
 */
const en = {
  'queue.views.label': 'Saved views',
  'queue.view.all': 'All open cases',
  'queue.view.mine': 'My cases',
  'queue.view.waiting': 'Waiting for us',
  'queue.view.overdue': 'Overdue',
  'queue.count': '{count} cases',
  'queue.count_capped': 'More than {count} cases',
  'queue.sorted_asc': 'sorted ascending',
  'queue.sorted_desc': 'sorted descending',
  'queue.sort_by': 'Sort by {column}',
  'queue.col.person': 'Person',
  'queue.col.country': 'Country',
  'queue.born': 'born {date}',
  'queue.reset': 'Clear',
  'search.in': 'Search in',
  'search.in.identity': 'Reference, phone, document number or name',
  'search.in.text': 'Story and messages (words)',
  'search.text_hint':
    'Finds cases whose story or messages contain every word you type (at least 3 letters each), among the cases whose content you may read.',
  'search.text_bound':
    'Only the {count} most recently active cases you may read were searched. To reach older cases, search by name, phone or document number.',
  'search.text_short': 'Type at least one word of 3 letters or more.',
} as const;

const own = defineMessages({
  en,
  ru: {
    'queue.views.label': 'Сохранённые виды',
    'queue.view.all': 'Все открытые дела',
    'queue.view.mine': 'Мои дела',
    'queue.view.waiting': 'Ждут нас',
    'queue.view.overdue': 'Просроченные',
    'queue.count': 'Дел: {count}',
    'queue.count_capped': 'Дел больше {count}',
    'queue.sorted_asc': 'по возрастанию',
    'queue.sorted_desc': 'по убыванию',
    'queue.sort_by': 'Сортировать: {column}',
    'queue.col.person': 'Человек',
    'queue.col.country': 'Страна',
    'queue.born': 'род. {date}',
    'queue.reset': 'Сбросить',
    'search.in': 'Где искать',
    'search.in.identity': 'Номер дела, телефон, номер документа или имя',
    'search.in.text': 'История и сообщения (слова)',
    'search.text_hint':
      'Находит дела, в истории или сообщениях которых есть все введённые слова (не короче 3 букв), среди дел, содержание которых вам доступно.',
    'search.text_bound':
      'Просмотрены только {count} последних по активности доступных вам дел. Чтобы найти более старые, ищите по имени, телефону или номеру документа.',
    'search.text_short': 'Введите хотя бы одно слово из 3 букв или длиннее.',
  },
  uk: {
    'queue.views.label': 'Збережені види',
    'queue.view.all': 'Усі відкриті справи',
    'queue.view.mine': 'Мої справи',
    'queue.view.waiting': 'Чекають на нас',
    'queue.view.overdue': 'Прострочені',
    'queue.count': 'Справ: {count}',
    'queue.count_capped': 'Справ понад {count}',
    'queue.sorted_asc': 'за зростанням',
    'queue.sorted_desc': 'за спаданням',
    'queue.sort_by': 'Сортувати: {column}',
    'queue.col.person': 'Особа',
    'queue.col.country': 'Країна',
    'queue.born': 'нар. {date}',
    'queue.reset': 'Скинути',
    'search.in': 'Де шукати',
    'search.in.identity': 'Номер справи, телефон, номер документа або ім’я',
    'search.in.text': 'Історія та повідомлення (слова)',
    'search.text_hint':
      'Знаходить справи, в історії або повідомленнях яких є всі введені слова (щонайменше 3 літери), серед справ, зміст яких вам доступний.',
    'search.text_bound':
      'Переглянуто лише {count} останніх за активністю доступних вам справ. Щоб знайти старіші, шукайте за ім’ям, телефоном або номером документа.',
    'search.text_short': 'Введіть хоча б одне слово з 3 літер або довше.',
  },
});

export type QueueMessageKey = keyof typeof en;
export function queueMessages(
  locale: Locale,
  key: QueueMessageKey,
  params?: Record<string, string | number>,
): string {
  return own(locale, key, params);
}
