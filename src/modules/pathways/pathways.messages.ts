/**
 * Interface texts for the pathways result view, in ru / uk / en. Content texts (options, facts,
 * warnings) come from the knowledge base; only the view's own labels live here until the
 * platform i18n table takes them over.
 */
import type { Locale, OptionKind, RiskLevel, WarningLevel } from './pathways.schemas.ts';

export interface PathwaysMessages {
  heading: string;
  notLegalAdvice: string;
  warningsHeading: string;
  viableHeading: string;
  notViableHeading: string;
  noneViable: string;
  risk: Record<RiskLevel, string>;
  riskLabel: string;
  whyNot: string;
  why: string;
  warningLevel: Record<WarningLevel, string>;
  kind: Record<OptionKind, string>;
  entryDocuments: string;
  entryStay: string;
  entryVisa: string;
  steps: string;
  documentsNeeded: string;
  costs: string;
  uncertain: string;
  sources: string;
  accessed: string;
  reviewed: string;
  confidence: string;
  confidenceLevel: Record<'low' | 'medium' | 'high', string>;
  contentVersion: string;
  /** Label before the option's place in the ranking and why. */
  rank: string;
  /** Staff pages speak about the applicant, not to them. */
  staffViableHeading: string;
  staffNotViableHeading: string;
  staffNoneViable: string;
  /** Applicant summary: the options to read first, above the folded details. */
  readFirstOptions: string;
  /** Hint that a heading opens when chosen (for people new to <details>). */
  detailsHint: string;
  moreOptionsHeading: string;
}

export const pathwaysMessages: Record<Locale, PathwaysMessages> = {
  ru: {
    heading: 'Возможные пути',
    notLegalAdvice: 'Это информация, а не юридическая консультация.',
    warningsHeading: 'Сначала прочитайте',
    viableHeading: 'Доступные варианты (сначала — с меньшим риском)',
    notViableHeading: 'Сейчас недоступно — и почему',
    noneViable: 'По вашим ответам сейчас нет доступных вариантов. Поговорите с куратором.',
    risk: { low: 'Риск низкий', medium: 'Риск средний', high: 'Риск высокий' },
    riskLabel: 'Риски',
    whyNot: 'Почему недоступно',
    why: 'Условия',
    warningLevel: { danger: 'Опасно', caution: 'Осторожно', info: 'К сведению' },
    kind: {
      transit: 'транзит',
      stay: 'пребывание',
      asylum: 'убежище',
      humanitarian_visa: 'гуманитарная виза',
      parole: 'гуманитарный пароль',
      alternative_service: 'альтернативная служба',
      surrender: 'сдача в плен',
      get_help: 'помощь с планом',
    },
    entryDocuments: 'Документы для въезда',
    entryStay: 'Срок пребывания',
    entryVisa: 'Виза',
    steps: 'Шаги',
    documentsNeeded: 'Нужные документы',
    costs: 'Расходы',
    uncertain: 'Что неизвестно',
    sources: 'Источники',
    accessed: 'просмотрено',
    reviewed: 'Проверено',
    confidence: 'Надёжность',
    confidenceLevel: { low: 'низкая', medium: 'средняя', high: 'высокая' },
    contentVersion: 'Версия базы знаний',
    rank: 'Место в списке',
    staffViableHeading: 'Доступно этому человеку (сначала — с меньшим риском)',
    staffNotViableHeading: 'Недоступно сейчас — и почему',
    staffNoneViable: 'По этому профилю сейчас нет доступных вариантов.',
    readFirstOptions: 'С чего начать: варианты с меньшим риском',
    detailsHint: 'Нажмите на заголовок, чтобы открыть подробности.',
    moreOptionsHeading: 'Другие доступные варианты',
  },
  uk: {
    heading: 'Можливі шляхи',
    notLegalAdvice: 'Це інформація, а не юридична консультація.',
    warningsHeading: 'Спершу прочитайте',
    viableHeading: 'Доступні варіанти (спершу — з меншим ризиком)',
    notViableHeading: 'Зараз недоступно — і чому',
    noneViable: 'За вашими відповідями зараз немає доступних варіантів. Поговоріть з куратором.',
    risk: { low: 'Ризик низький', medium: 'Ризик середній', high: 'Ризик високий' },
    riskLabel: 'Ризики',
    whyNot: 'Чому недоступно',
    why: 'Умови',
    warningLevel: { danger: 'Небезпечно', caution: 'Обережно', info: 'До відома' },
    kind: {
      transit: 'транзит',
      stay: 'перебування',
      asylum: 'притулок',
      humanitarian_visa: 'гуманітарна віза',
      parole: 'гуманітарний пароль',
      alternative_service: 'альтернативна служба',
      surrender: 'здача в полон',
      get_help: 'допомога з планом',
    },
    entryDocuments: 'Документи для в’їзду',
    entryStay: 'Строк перебування',
    entryVisa: 'Віза',
    steps: 'Кроки',
    documentsNeeded: 'Потрібні документи',
    costs: 'Витрати',
    uncertain: 'Що невідомо',
    sources: 'Джерела',
    accessed: 'переглянуто',
    reviewed: 'Перевірено',
    confidence: 'Надійність',
    confidenceLevel: { low: 'низька', medium: 'середня', high: 'висока' },
    contentVersion: 'Версія бази знань',
    rank: 'Місце в списку',
    staffViableHeading: 'Доступно цій людині (спершу — з меншим ризиком)',
    staffNotViableHeading: 'Недоступно зараз — і чому',
    staffNoneViable: 'За цим профілем зараз немає доступних варіантів.',
    readFirstOptions: 'З чого почати: варіанти з меншим ризиком',
    detailsHint: 'Натисніть на заголовок, щоб відкрити подробиці.',
    moreOptionsHeading: 'Інші доступні варіанти',
  },
  en: {
    heading: 'Possible routes',
    notLegalAdvice: 'This is information, not legal advice.',
    warningsHeading: 'Read this first',
    viableHeading: 'Open to you (lower risk first)',
    notViableHeading: 'Not open to you now — and why',
    noneViable: 'From your answers, no route is open to you right now. Talk to a caseworker.',
    risk: { low: 'Low risk', medium: 'Medium risk', high: 'High risk' },
    riskLabel: 'Risks',
    whyNot: 'Why not',
    why: 'Requirements',
    warningLevel: { danger: 'Danger', caution: 'Caution', info: 'Note' },
    kind: {
      transit: 'transit',
      stay: 'stay',
      asylum: 'asylum',
      humanitarian_visa: 'humanitarian visa',
      parole: 'humanitarian parole',
      alternative_service: 'alternative service',
      surrender: 'surrender',
      get_help: 'help with a plan',
    },
    entryDocuments: 'Documents to enter',
    entryStay: 'Length of stay',
    entryVisa: 'Visa',
    steps: 'Steps',
    documentsNeeded: 'Documents needed',
    costs: 'Costs',
    uncertain: 'What is uncertain',
    sources: 'Sources',
    accessed: 'accessed',
    reviewed: 'Reviewed',
    confidence: 'Confidence',
    confidenceLevel: { low: 'low', medium: 'medium', high: 'high' },
    contentVersion: 'Knowledge base version',
    rank: 'Place in the list',
    staffViableHeading: 'Open to this person (lower risk first)',
    staffNotViableHeading: 'Not open now — and why',
    staffNoneViable: 'For this profile no route is open right now.',
    readFirstOptions: 'Where to start: the options with less risk',
    detailsHint: 'Choose a heading to open its details.',
    moreOptionsHeading: 'Other open options',
  },
};
