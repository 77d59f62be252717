import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the staff pages of the pathways module (the staleness report), in en, ru and uk. */
const en = {
  'pathways.stale.title': 'Knowledge base: facts due for review',
  'pathways.stale.intro':
    'Facts whose review date is more than {days} days old, oldest first, with the routes and warnings that rest on them. Reviewing a fact means re-reading its sources and correcting it before moving its date (docs/pathways.md).',
  'pathways.stale.version': 'Knowledge base version {version}, as of {day}.',
  'pathways.stale.origin_pack':
    'Served from a signed content pack created {created}, signed by key {signer}.',
  'pathways.stale.origin_builtin':
    'Served from the content built into this release (no content pack published).',
  'pathways.stale.none': 'Every fact was reviewed within the last {days} days.',
  'pathways.stale.count': { one: '{count} fact to review', other: '{count} facts to review' },
  'pathways.stale.col.fact': 'Fact',
  'pathways.stale.col.reviewed': 'Reviewed',
  'pathways.stale.col.age': 'Age (days)',
  'pathways.stale.col.confidence': 'Confidence',
  'pathways.stale.col.cited_by': 'Routes and warnings resting on it',
  'pathways.stale.col.sources': 'Sources',
  'pathways.stale.options_heading': 'Routes resting on a stale fact',
} as const;

export const pathwaysStaffMessages = defineMessages({
  en,
  ru: {
    'pathways.stale.title': 'База знаний: факты, которые пора перепроверить',
    'pathways.stale.intro':
      'Факты, проверенные более {days} дней назад, сначала самые старые, с путями и предупреждениями, которые на них опираются. Перепроверить факт — значит перечитать источники и исправить его, и только потом менять дату (docs/pathways.md).',
    'pathways.stale.version': 'Версия базы знаний {version}, на {day}.',
    'pathways.stale.origin_pack':
      'Из подписанного пакета содержимого, созданного {created}, подписан ключом {signer}.',
    'pathways.stale.origin_builtin':
      'Встроенное содержимое этого выпуска (пакет содержимого не публиковался).',
    'pathways.stale.none': 'Все факты проверены за последние {days} дней.',
    'pathways.stale.count': {
      one: '{count} факт к проверке',
      few: '{count} факта к проверке',
      many: '{count} фактов к проверке',
      other: '{count} факта к проверке',
    },
    'pathways.stale.col.fact': 'Факт',
    'pathways.stale.col.reviewed': 'Проверен',
    'pathways.stale.col.age': 'Давность (дней)',
    'pathways.stale.col.confidence': 'Надёжность',
    'pathways.stale.col.cited_by': 'Пути и предупреждения, которые на нём основаны',
    'pathways.stale.col.sources': 'Источники',
    'pathways.stale.options_heading': 'Пути, основанные на устаревшем факте',
  },
  uk: {
    'pathways.stale.title': 'База знань: факти, які час перевірити',
    'pathways.stale.intro':
      'Факти, перевірені понад {days} днів тому, спершу найстаріші, зі шляхами й попередженнями, що на них спираються. Перевірити факт — значить перечитати джерела і виправити його, і лише потім змінювати дату (docs/pathways.md).',
    'pathways.stale.version': 'Версія бази знань {version}, на {day}.',
    'pathways.stale.origin_pack':
      'З підписаного пакета вмісту, створеного {created}, підписано ключем {signer}.',
    'pathways.stale.origin_builtin': 'Вбудований вміст цього випуску (пакет вмісту не публікувався).',
    'pathways.stale.none': 'Усі факти перевірено за останні {days} днів.',
    'pathways.stale.count': {
      one: '{count} факт до перевірки',
      few: '{count} факти до перевірки',
      many: '{count} фактів до перевірки',
      other: '{count} факту до перевірки',
    },
    'pathways.stale.col.fact': 'Факт',
    'pathways.stale.col.reviewed': 'Перевірено',
    'pathways.stale.col.age': 'Давність (днів)',
    'pathways.stale.col.confidence': 'Надійність',
    'pathways.stale.col.cited_by': 'Шляхи й попередження, що на ньому ґрунтуються',
    'pathways.stale.col.sources': 'Джерела',
    'pathways.stale.options_heading': 'Шляхи, що спираються на застарілий факт',
  },
});

export type PathwaysStaffMessageKey = keyof typeof en;
