import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the retention page (ADR 0139), in en, ru and uk. */
export const retentionMessages = defineMessages({
  en: {
    'retention.nav': 'Retention',
    'retention.title': 'Retention and legal holds',
    'retention.rules': 'Rules',
    'retention.rules_none': 'No rule: nothing is erased.',
    'retention.rules_help':
      'One rule per line: a case state and the days since its last activity, e.g. "closed 365" or "closed/not_genuine 30". Erasure destroys the case\'s key and deletes its records and files; backups made before stay readable for that case until they expire (docs/SECURITY.md).',
    'retention.rules_request': 'Request this change',
    'retention.field.rules':
      'Each line must be a case state (optionally closed/reason) and 1 to 36500 days, each state once.',
    'retention.due': 'Erased within the next 30 days',
    'retention.due_none': 'Nothing is due within 30 days.',
    'retention.col.ref': 'Case',
    'retention.col.state': 'State',
    'retention.col.on': 'Erased on',
    'retention.holds': 'Legal holds',
    'retention.holds_none': 'No case is under a legal hold.',
    'retention.hold_place': 'Place a legal hold',
    'retention.hold_lift': 'Request lifting the hold',
    'retention.flash.requested':
      'Request filed. A second administrator must approve it before it takes effect.',
    'retention.flash.held': 'The case is under a legal hold and will not be erased.',
  },
  ru: {
    'retention.nav': 'Сроки хранения',
    'retention.title': 'Сроки хранения и юридические удержания',
    'retention.rules': 'Правила',
    'retention.rules_none': 'Правил нет: ничего не удаляется.',
    'retention.rules_help':
      'Одно правило на строку: статус дела и число дней с последней активности, например «closed 365» или «closed/not_genuine 30». Удаление уничтожает ключ дела и удаляет его записи и файлы; резервные копии, сделанные раньше, остаются читаемыми для этого дела до истечения их срока (docs/SECURITY.md).',
    'retention.rules_request': 'Запросить изменение',
    'retention.field.rules':
      'Каждая строка: статус дела (или closed/причина) и от 1 до 36500 дней, каждый статус один раз.',
    'retention.due': 'Будет удалено в ближайшие 30 дней',
    'retention.due_none': 'В ближайшие 30 дней ничего не удаляется.',
    'retention.col.ref': 'Дело',
    'retention.col.state': 'Статус',
    'retention.col.on': 'Дата удаления',
    'retention.holds': 'Юридические удержания',
    'retention.holds_none': 'Ни одно дело не удерживается.',
    'retention.hold_place': 'Поставить удержание',
    'retention.hold_lift': 'Запросить снятие удержания',
    'retention.flash.requested':
      'Запрос подан. Он вступит в силу только после одобрения вторым администратором.',
    'retention.flash.held': 'Дело удерживается и не будет удалено.',
  },
  uk: {
    'retention.nav': 'Строки зберігання',
    'retention.title': 'Строки зберігання та юридичні утримання',
    'retention.rules': 'Правила',
    'retention.rules_none': 'Правил немає: нічого не видаляється.',
    'retention.rules_help':
      'Одне правило на рядок: статус справи та кількість днів від останньої активності, наприклад «closed 365» або «closed/not_genuine 30». Видалення знищує ключ справи та видаляє її записи й файли; резервні копії, зроблені раніше, залишаються читабельними для цієї справи до спливу їхнього строку (docs/SECURITY.md).',
    'retention.rules_request': 'Запитати зміну',
    'retention.field.rules':
      'Кожен рядок: статус справи (або closed/причина) і від 1 до 36500 днів, кожен статус один раз.',
    'retention.due': 'Буде видалено протягом 30 днів',
    'retention.due_none': 'Протягом 30 днів нічого не видаляється.',
    'retention.col.ref': 'Справа',
    'retention.col.state': 'Статус',
    'retention.col.on': 'Дата видалення',
    'retention.holds': 'Юридичні утримання',
    'retention.holds_none': 'Жодна справа не утримується.',
    'retention.hold_place': 'Поставити утримання',
    'retention.hold_lift': 'Запитати зняття утримання',
    'retention.flash.requested':
      'Запит подано. Він набуде чинності лише після схвалення другим адміністратором.',
    'retention.flash.held': 'Справа утримується і не буде видалена.',
  },
});
export type RetentionMessageKey = Parameters<typeof retentionMessages>[1];
