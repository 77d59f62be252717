import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of staff sign-in added after wave 1, in en, ru and uk. */
export const authMessages = defineMessages({
  en: {
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
