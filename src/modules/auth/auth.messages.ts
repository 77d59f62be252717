import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of staff sign-in added after wave 1, in en, ru and uk. */
export const authMessages = defineMessages({
  en: {
    'auth.panic_help':
      'Seal the server now if you believe it is about to be seized or that your account is being misused. Everyone is signed out and nothing can be read until the key holders unseal it. It is recorded under your name.',
    'auth.panic_confirm': 'I am sure',
    'auth.sign_in_alerts': {
      one: 'Sign-in alert: {count} account has had many failed sign-ins today.',
      other: 'Sign-in alerts: {count} accounts have had many failed sign-ins today.',
    },
    'auth.retry_in': {
      one: 'Too many attempts from here. Try again in {count} second.',
      other: 'Too many attempts from here. Try again in {count} seconds.',
    },
  },
  ru: {
    'auth.panic_help':
      'Запечатайте сервер сейчас, если считаете, что его вот-вот изымут или что вашей учётной записью злоупотребляют. Все сеансы завершатся, и ничего нельзя будет прочитать, пока хранители ключей не распечатают сервер. Действие записывается под вашим именем.',
    'auth.panic_confirm': 'Я уверен(а)',
    'auth.sign_in_alerts': {
      one: 'Предупреждение о входе: {count} учётная запись — много неудачных попыток входа за сутки.',
      few: 'Предупреждения о входе: {count} учётные записи — много неудачных попыток входа за сутки.',
      many: 'Предупреждения о входе: {count} учётных записей — много неудачных попыток входа за сутки.',
      other: 'Предупреждения о входе: {count} учётной записи — много неудачных попыток входа за сутки.',
    },
    'auth.retry_in': {
      one: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунду.',
      few: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунды.',
      many: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунд.',
      other: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунды.',
    },
  },
  uk: {
    'auth.panic_help':
      'Запечатайте сервер зараз, якщо вважаєте, що його от-от вилучать або що вашим обліковим записом зловживають. Усі сеанси завершаться, і нічого не можна буде прочитати, доки хранителі ключів не розпечатають сервер. Дію записано під вашим іменем.',
    'auth.panic_confirm': 'Я впевнений(а)',
    'auth.sign_in_alerts': {
      one: 'Попередження про вхід: {count} обліковий запис — багато невдалих спроб входу за добу.',
      few: 'Попередження про вхід: {count} облікові записи — багато невдалих спроб входу за добу.',
      many: 'Попередження про вхід: {count} облікових записів — багато невдалих спроб входу за добу.',
      other: 'Попередження про вхід: {count} облікового запису — багато невдалих спроб входу за добу.',
    },
    'auth.retry_in': {
      one: 'Забагато спроб звідси. Спробуйте знову через {count} секунду.',
      few: 'Забагато спроб звідси. Спробуйте знову через {count} секунди.',
      many: 'Забагато спроб звідси. Спробуйте знову через {count} секунд.',
      other: 'Забагато спроб звідси. Спробуйте знову через {count} секунди.',
    },
  },
});
