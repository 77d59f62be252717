import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of staff sign-in added after wave 1, in en, ru and uk. */
export const authMessages = defineMessages({
  en: {
    'auth.retry_in': {
      one: 'Too many attempts from here. Try again in {count} second.',
      other: 'Too many attempts from here. Try again in {count} seconds.',
    },
  },
  ru: {
    'auth.retry_in': {
      one: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунду.',
      few: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунды.',
      many: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунд.',
      other: 'Слишком много попыток отсюда. Попробуйте снова через {count} секунды.',
    },
  },
  uk: {
    'auth.retry_in': {
      one: 'Забагато спроб звідси. Спробуйте знову через {count} секунду.',
      few: 'Забагато спроб звідси. Спробуйте знову через {count} секунди.',
      many: 'Забагато спроб звідси. Спробуйте знову через {count} секунд.',
      other: 'Забагато спроб звідси. Спробуйте знову через {count} секунди.',
    },
  },
});
