import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the staff pages of the pathways module (the staleness report), in en, ru and uk. */
const en = {
  'pathways.stale.title': 'Knowledge base: facts due for review',
  'pathways.stale.intro':
    'Facts whose review date is more than {days} days old (or older than their own review interval, or past their own end date), oldest first, with the routes and warnings that rest on them. Reviewing a fact means re-reading its sources and correcting it before moving its date (docs/pathways.md).',
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
  'pathways.stale.expired': 'Ended {day}: check whether the rule was renewed or lapsed.',
  'pathways.due.heading': 'Due in the next {days} days',
  'pathways.due.none': 'Nothing falls due in the next {days} days.',
  'pathways.due.col.due_on': 'Due on',
  'pathways.due.col.why': 'Why',
  'pathways.due.days_left': { one: 'in {count} day', other: 'in {count} days' },
  'pathways.due.reason.review': 'Review interval ends (reviewed {day})',
  'pathways.due.reason.expires': 'The rule it states ends (a law or decision with an end date)',
} as const;

export const pathwaysStaffMessages = defineMessages({
  en,
  ru: {
    'pathways.stale.title': 'База знаний: факты, которые пора перепроверить',
    'pathways.stale.intro':
      'Факты, проверенные более {days} дней назад (или раньше собственного срока проверки, или с истёкшим сроком действия), сначала самые старые, с путями и предупреждениями, которые на них опираются. Перепроверить факт — значит перечитать источники и исправить его, и только потом менять дату (docs/pathways.md).',
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
    'pathways.stale.expired': 'Истёк {day}: проверьте, продлено ли правило или утратило силу.',
    'pathways.due.heading': 'К проверке в ближайшие {days} дней',
    'pathways.due.none': 'В ближайшие {days} дней ничего не требует проверки.',
    'pathways.due.col.due_on': 'Срок',
    'pathways.due.col.why': 'Почему',
    'pathways.due.days_left': {
      one: 'через {count} день',
      few: 'через {count} дня',
      many: 'через {count} дней',
      other: 'через {count} дня',
    },
    'pathways.due.reason.review': 'Истекает срок проверки (проверен {day})',
    'pathways.due.reason.expires': 'Заканчивается действие правила (закон или решение со сроком)',
  },
  uk: {
    'pathways.stale.title': 'База знань: факти, які час перевірити',
    'pathways.stale.intro':
      'Факти, перевірені понад {days} днів тому (або раніше власного строку перевірки, або зі строком дії, що сплив), спершу найстаріші, зі шляхами й попередженнями, що на них спираються. Перевірити факт — значить перечитати джерела і виправити його, і лише потім змінювати дату (docs/pathways.md).',
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
    'pathways.stale.expired': 'Сплив {day}: перевірте, чи правило продовжено або воно втратило силу.',
    'pathways.due.heading': 'До перевірки в найближчі {days} днів',
    'pathways.due.none': 'У найближчі {days} днів нічого не потребує перевірки.',
    'pathways.due.col.due_on': 'Строк',
    'pathways.due.col.why': 'Чому',
    'pathways.due.days_left': {
      one: 'через {count} день',
      few: 'через {count} дні',
      many: 'через {count} днів',
      other: 'через {count} дня',
    },
    'pathways.due.reason.review': 'Спливає строк перевірки (перевірено {day})',
    'pathways.due.reason.expires': 'Закінчується дія правила (закон або рішення зі строком)',
  },
});

export type PathwaysStaffMessageKey = keyof typeof en;
