import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of staff sign-in added after wave 1, in en, ru and uk. */
export const authMessages = defineMessages({
  en: {
    'auth.decoy_empty': 'Nothing here yet.',
    'auth.duress': 'Duress password',
    'auth.duress_help':
      'Optional. If someone forces you to sign in, use this password instead of your own (with your usual code): you will see an empty workspace that looks normal, and the server seals itself at once, without any sign. The workspace does not show other staff members whether you have one. It must differ from your password.',
    'auth.duress_password': 'Your current password',
    'auth.duress_new': 'Duress password',
    'auth.duress_repeat': 'Duress password again',
    'auth.duress_set': 'Set the duress password',
    'auth.duress_remove': 'Remove the duress password',
    'auth.duress_saved': 'Saved.',
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
    'auth.password_title': 'Set a new password',
    'auth.password_intro':
      'An administrator reset your password. Choose a new one and confirm with the current code from your authenticator app. This link works once.',
    'auth.password_submit': 'Set the password',
    'auth.password_done': 'Your new password is set. Sign in with it.',
    'auth.enrol_qr':
      'Scan this QR code with your authenticator app. If you cannot scan it, type the secret below instead.',
    'auth.enrol_qr_label': 'QR code of the TOTP secret',
  },
  ru: {
    'auth.decoy_empty': 'Здесь пока ничего нет.',
    'auth.duress': 'Пароль под принуждением',
    'auth.duress_help':
      'Необязательно. Если вас заставляют войти, введите этот пароль вместо своего (с обычным кодом): вы увидите пустое рабочее место, которое выглядит как обычно, а сервер сразу и незаметно запечатается. Другим сотрудникам рабочее место не показывает, задан ли он у вас. Он должен отличаться от вашего пароля.',
    'auth.duress_password': 'Ваш текущий пароль',
    'auth.duress_new': 'Пароль под принуждением',
    'auth.duress_repeat': 'Пароль под принуждением ещё раз',
    'auth.duress_set': 'Задать пароль под принуждением',
    'auth.duress_remove': 'Удалить пароль под принуждением',
    'auth.duress_saved': 'Сохранено.',
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
    'auth.password_title': 'Новый пароль',
    'auth.password_intro':
      'Администратор сбросил ваш пароль. Выберите новый и подтвердите его текущим кодом из приложения-аутентификатора. Ссылка действует один раз.',
    'auth.password_submit': 'Задать пароль',
    'auth.password_done': 'Новый пароль задан. Войдите с ним.',
    'auth.enrol_qr':
      'Отсканируйте этот QR-код приложением-аутентификатором. Если отсканировать не получается, введите секрет ниже вручную.',
    'auth.enrol_qr_label': 'QR-код секрета TOTP',
  },
  uk: {
    'auth.decoy_empty': 'Тут поки нічого немає.',
    'auth.duress': 'Пароль під примусом',
    'auth.duress_help':
      'Необов’язково. Якщо вас змушують увійти, введіть цей пароль замість свого (зі звичайним кодом): ви побачите порожнє робоче місце, яке виглядає як завжди, а сервер одразу й непомітно запечатається. Іншим працівникам робоче місце не показує, чи ви його задали. Він має відрізнятися від вашого пароля.',
    'auth.duress_password': 'Ваш поточний пароль',
    'auth.duress_new': 'Пароль під примусом',
    'auth.duress_repeat': 'Пароль під примусом ще раз',
    'auth.duress_set': 'Задати пароль під примусом',
    'auth.duress_remove': 'Видалити пароль під примусом',
    'auth.duress_saved': 'Збережено.',
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
    'auth.password_title': 'Новий пароль',
    'auth.password_intro':
      'Адміністратор скинув ваш пароль. Оберіть новий і підтвердьте його поточним кодом із застосунку-автентифікатора. Посилання діє один раз.',
    'auth.password_submit': 'Задати пароль',
    'auth.password_done': 'Новий пароль задано. Увійдіть із ним.',
    'auth.enrol_qr':
      'Відскануйте цей QR-код застосунком-автентифікатором. Якщо відсканувати не вдається, введіть секрет нижче вручну.',
    'auth.enrol_qr_label': 'QR-код секрету TOTP',
  },
});
