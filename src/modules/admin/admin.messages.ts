import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the administration page added after wave 1, in en, ru and uk. */
export const am = defineMessages({
  en: {
    'admin.sign_in_alerts': 'Sign-in alerts',
    'admin.sign_in_alert': {
      one: '{email}: {count} failed sign-in in the last 24 hours ({right} with the right password).',
      other: '{email}: {count} failed sign-ins in the last 24 hours ({right} with the right password).',
    },
    'admin.sign_in_alert_help':
      'Someone may be guessing these accounts. The account is not locked: each wrong guess only slows down the place it came from. If failures came with the right password, the password is known to someone else: disable the account and enrol the person again.',
  },
  ru: {
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
