import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the administration page added after wave 1, in en, ru and uk. */
export const am = defineMessages({
  en: {
    'admin.requests': 'Requests waiting for a second administrator',
    'admin.requests_none': 'No request is waiting.',
    'admin.request_filed': 'Request filed. A second administrator must approve it before it takes effect.',
    'admin.request_approved': 'Approved and carried out.',
    'admin.request_rejected': 'Request rejected.',
    'admin.request_conflict':
      'This request was already decided, has passed its deadline, or no longer applies.',
    'admin.request_mine': 'your request: another administrator must decide it',
    'admin.request_expires': 'deadline',
    'admin.request_expired': 'past its deadline',
    'admin.approve': 'Approve',
    'admin.reject': 'Reject',
    'admin.change_role': 'Request a role change',
    'admin.reset_second_factor': 'Request a password and second-factor reset',
    'admin.sign_in_alerts': 'Sign-in alerts',
    'admin.sign_in_alert': {
      one: '{email}: {count} failed sign-in in the last 24 hours ({right} with the right password).',
      other: '{email}: {count} failed sign-ins in the last 24 hours ({right} with the right password).',
    },
    'admin.sign_in_alert_help':
      'Someone may be guessing these accounts. The account is not locked: each wrong guess only slows down the place it came from. If failures came with the right password, the password is known to someone else: disable the account and enrol the person again.',
  },
  ru: {
    'admin.requests': 'Запросы, ожидающие второго администратора',
    'admin.requests_none': 'Ожидающих запросов нет.',
    'admin.request_filed': 'Запрос подан. Он вступит в силу только после одобрения вторым администратором.',
    'admin.request_approved': 'Одобрено и выполнено.',
    'admin.request_rejected': 'Запрос отклонён.',
    'admin.request_conflict': 'Этот запрос уже решён, его срок истёк или он больше не применим.',
    'admin.request_mine': 'ваш запрос: решение принимает другой администратор',
    'admin.request_expires': 'срок',
    'admin.request_expired': 'срок истёк',
    'admin.approve': 'Одобрить',
    'admin.reject': 'Отклонить',
    'admin.change_role': 'Запросить смену роли',
    'admin.reset_second_factor': 'Запросить сброс пароля и второго фактора',
    'admin.sign_in_alerts': 'Предупреждения о входе',
    'admin.sign_in_alert': {
      one: '{email}: {count} неудачная попытка входа за последние 24 часа (с верным паролем: {right}).',
      few: '{email}: {count} неудачные попытки входа за последние 24 часа (с верным паролем: {right}).',
      many: '{email}: {count} неудачных попыток входа за последние 24 часа (с верным паролем: {right}).',
      other: '{email}: {count} неудачной попытки входа за последние 24 часа (с верным паролем: {right}).',
    },
    'admin.sign_in_alert_help':
      'Возможно, кто-то подбирает данные для входа в эти учётные записи. Учётная запись не блокируется: каждая неверная попытка замедляет только то место, откуда она пришла. Если попытки были с верным паролем, пароль известен кому-то ещё: отключите учётную запись и зарегистрируйте сотрудника заново.',
  },
  uk: {
    'admin.requests': 'Запити, що очікують другого адміністратора',
    'admin.requests_none': 'Запитів, що очікують, немає.',
    'admin.request_filed': 'Запит подано. Він набуде чинності лише після схвалення другим адміністратором.',
    'admin.request_approved': 'Схвалено й виконано.',
    'admin.request_rejected': 'Запит відхилено.',
    'admin.request_conflict': 'Цей запит уже вирішено, його строк минув або він більше не застосовний.',
    'admin.request_mine': 'ваш запит: рішення ухвалює інший адміністратор',
    'admin.request_expires': 'строк',
    'admin.request_expired': 'строк минув',
    'admin.approve': 'Схвалити',
    'admin.reject': 'Відхилити',
    'admin.change_role': 'Запитати зміну ролі',
    'admin.reset_second_factor': 'Запитати скидання пароля та другого фактора',
    'admin.sign_in_alerts': 'Попередження про вхід',
    'admin.sign_in_alert': {
      one: '{email}: {count} невдала спроба входу за останні 24 години (з правильним паролем: {right}).',
      few: '{email}: {count} невдалі спроби входу за останні 24 години (з правильним паролем: {right}).',
      many: '{email}: {count} невдалих спроб входу за останні 24 години (з правильним паролем: {right}).',
      other: '{email}: {count} невдалої спроби входу за останні 24 години (з правильним паролем: {right}).',
    },
    'admin.sign_in_alert_help':
      'Можливо, хтось підбирає дані для входу до цих облікових записів. Обліковий запис не блокується: кожна хибна спроба сповільнює лише те місце, звідки вона надійшла. Якщо спроби були з правильним паролем, пароль відомий комусь іще: вимкніть обліковий запис і зареєструйте працівника знову.',
  },
});
