import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of security keys and passkeys (issue 18 item 1), in en, ru and uk. */
export const wm = defineMessages({
  en: {
    'webauthn.keys_title': 'Security keys and passkeys',
    'webauthn.intro':
      'A security key or passkey signs you in without the password and cannot be used by a look-alike site: it answers only this server. It asks for its PIN or your fingerprint each time.',
    'webauthn.must_enrol':
      'Your organisation requires a security key or passkey for your role. Add one now; until then this is the only page you can open.',
    'webauthn.none': 'You have no security key or passkey yet.',
    'webauthn.name': 'Name',
    'webauthn.kind': 'Kind',
    'webauthn.kind_synced': 'Passkey (synced)',
    'webauthn.kind_device': 'Security key or device passkey',
    'webauthn.added': 'Added',
    'webauthn.last_used': 'Last used',
    'webauthn.never': 'never',
    'webauthn.actions': 'Actions',
    'webauthn.add': 'Add a key',
    'webauthn.name_hint': 'A name you will recognise, e.g. "blue key" or "work laptop".',
    'webauthn.rename': 'Rename',
    'webauthn.remove': 'Remove',
    'webauthn.needs_js': 'Adding or using a key needs JavaScript and a browser with WebAuthn.',
    'webauthn.unavailable':
      'Keys cannot be used on this server: its staff address (SANCTUARY_STAFF_URL or SANCTUARY_PUBLIC_URL) is an IP address, and browsers accept keys only for a host name.',
    'webauthn.sign_in': 'Sign in with a security key or passkey',
    'webauthn.sign_in_or': 'Or sign in with your password and the code from your app:',
    'webauthn.waiting': 'Follow your browser: touch the key or confirm on the device.',
    'webauthn.failed': 'The key’s answer was refused. Try again.',
    'webauthn.cancelled': 'The key did not answer, or the request was cancelled.',
    'webauthn.too_many': 'You already hold the most keys one person may (10). Remove one first.',
    'webauthn.last_key':
      'This is your last key, and your organisation requires one for your role: add another before you remove it.',
    'webauthn.added_ok': 'Key added.',
    'webauthn.renamed_ok': 'Key renamed.',
    'webauthn.removed_ok': 'Key removed.',
    'webauthn.lost_keys':
      'Lost every key? Ask two administrators: one requests a second-factor reset for you and another approves it; you then enrol again from a new link.',
    'webauthn.policy_title': 'Sign-in policy',
    'webauthn.policy_intro':
      'Make a security key or passkey mandatory for some roles or all. A change takes effect when a second administrator approves it. Staff of those roles without a key are led to add one at their next sign-in.',
    'webauthn.policy_current': 'In force',
    'webauthn.policy_roles': 'Security key mandatory for',
    'webauthn.policy_totp': 'Password and code (TOTP) still sign in those roles as a fallback',
    'webauthn.policy_none': 'no role',
    'webauthn.yes': 'yes',
    'webauthn.no': 'no',
    'webauthn.policy_submit': 'Request this policy',
  },
  ru: {
    'webauthn.keys_title': 'Ключи безопасности и passkeys',
    'webauthn.intro':
      'Ключ безопасности или passkey позволяет войти без пароля, и поддельный сайт не сможет им воспользоваться: ключ отвечает только этому серверу. Каждый раз он спрашивает PIN-код или отпечаток пальца.',
    'webauthn.must_enrol':
      'Ваша организация требует ключ безопасности или passkey для вашей роли. Добавьте его сейчас; до тех пор открывается только эта страница.',
    'webauthn.none': 'У вас пока нет ключа безопасности или passkey.',
    'webauthn.name': 'Название',
    'webauthn.kind': 'Тип',
    'webauthn.kind_synced': 'Passkey (синхронизируемый)',
    'webauthn.kind_device': 'Ключ безопасности или passkey устройства',
    'webauthn.added': 'Добавлен',
    'webauthn.last_used': 'Последнее использование',
    'webauthn.never': 'никогда',
    'webauthn.actions': 'Действия',
    'webauthn.add': 'Добавить ключ',
    'webauthn.name_hint':
      'Название, по которому вы его узнаете, например «синий ключ» или «рабочий ноутбук».',
    'webauthn.rename': 'Переименовать',
    'webauthn.remove': 'Удалить',
    'webauthn.needs_js':
      'Чтобы добавить ключ или войти с ним, нужны JavaScript и браузер с поддержкой WebAuthn.',
    'webauthn.unavailable':
      'Ключи нельзя использовать на этом сервере: его адрес для сотрудников (SANCTUARY_STAFF_URL или SANCTUARY_PUBLIC_URL) — IP-адрес, а браузеры принимают ключи только для имени хоста.',
    'webauthn.sign_in': 'Войти с ключом безопасности или passkey',
    'webauthn.sign_in_or': 'Или войдите с паролем и кодом из приложения:',
    'webauthn.waiting': 'Следуйте указаниям браузера: коснитесь ключа или подтвердите на устройстве.',
    'webauthn.failed': 'Ответ ключа отклонён. Попробуйте ещё раз.',
    'webauthn.cancelled': 'Ключ не ответил, или запрос был отменён.',
    'webauthn.too_many': 'У вас уже максимальное число ключей (10). Сначала удалите один.',
    'webauthn.last_key':
      'Это ваш последний ключ, а организация требует ключ для вашей роли: добавьте другой, прежде чем удалять этот.',
    'webauthn.added_ok': 'Ключ добавлен.',
    'webauthn.renamed_ok': 'Ключ переименован.',
    'webauthn.removed_ok': 'Ключ удалён.',
    'webauthn.lost_keys':
      'Потеряли все ключи? Обратитесь к двум администраторам: один запрашивает для вас сброс второго фактора, другой его одобряет; затем вы заново настраиваете учётную запись по новой ссылке.',
    'webauthn.policy_title': 'Правила входа',
    'webauthn.policy_intro':
      'Сделайте ключ безопасности или passkey обязательным для некоторых ролей или для всех. Изменение вступает в силу, когда его одобрит второй администратор. Сотрудникам этих ролей без ключа при следующем входе будет предложено его добавить.',
    'webauthn.policy_current': 'Действует',
    'webauthn.policy_roles': 'Ключ безопасности обязателен для',
    'webauthn.policy_totp': 'Пароль и код (TOTP) по-прежнему позволяют этим ролям войти как запасной способ',
    'webauthn.policy_none': 'ни одной роли',
    'webauthn.yes': 'да',
    'webauthn.no': 'нет',
    'webauthn.policy_submit': 'Запросить эти правила',
  },
  uk: {
    'webauthn.keys_title': 'Ключі безпеки та passkeys',
    'webauthn.intro':
      'Ключ безпеки або passkey дає змогу увійти без пароля, і підроблений сайт не зможе ним скористатися: ключ відповідає лише цьому серверу. Щоразу він запитує PIN-код або відбиток пальця.',
    'webauthn.must_enrol':
      'Ваша організація вимагає ключ безпеки або passkey для вашої ролі. Додайте його зараз; доти відкривається лише ця сторінка.',
    'webauthn.none': 'У вас ще немає ключа безпеки або passkey.',
    'webauthn.name': 'Назва',
    'webauthn.kind': 'Тип',
    'webauthn.kind_synced': 'Passkey (синхронізований)',
    'webauthn.kind_device': 'Ключ безпеки або passkey пристрою',
    'webauthn.added': 'Додано',
    'webauthn.last_used': 'Останнє використання',
    'webauthn.never': 'ніколи',
    'webauthn.actions': 'Дії',
    'webauthn.add': 'Додати ключ',
    'webauthn.name_hint': 'Назва, за якою ви його впізнаєте, наприклад «синій ключ» або «робочий ноутбук».',
    'webauthn.rename': 'Перейменувати',
    'webauthn.remove': 'Видалити',
    'webauthn.needs_js':
      'Щоб додати ключ або увійти з ним, потрібні JavaScript і браузер із підтримкою WebAuthn.',
    'webauthn.unavailable':
      'Ключі не можна використовувати на цьому сервері: його адреса для працівників (SANCTUARY_STAFF_URL або SANCTUARY_PUBLIC_URL) — IP-адреса, а браузери приймають ключі лише для імені хоста.',
    'webauthn.sign_in': 'Увійти з ключем безпеки або passkey',
    'webauthn.sign_in_or': 'Або увійдіть із паролем і кодом із застосунку:',
    'webauthn.waiting': 'Дотримуйтеся вказівок браузера: торкніться ключа або підтвердьте на пристрої.',
    'webauthn.failed': 'Відповідь ключа відхилено. Спробуйте ще раз.',
    'webauthn.cancelled': 'Ключ не відповів, або запит було скасовано.',
    'webauthn.too_many': 'У вас уже найбільша кількість ключів (10). Спершу видаліть один.',
    'webauthn.last_key':
      'Це ваш останній ключ, а організація вимагає ключ для вашої ролі: додайте інший, перш ніж видаляти цей.',
    'webauthn.added_ok': 'Ключ додано.',
    'webauthn.renamed_ok': 'Ключ перейменовано.',
    'webauthn.removed_ok': 'Ключ видалено.',
    'webauthn.lost_keys':
      'Втратили всі ключі? Зверніться до двох адміністраторів: один запитує для вас скидання другого фактора, інший його схвалює; потім ви знову налаштовуєте обліковий запис за новим посиланням.',
    'webauthn.policy_title': 'Правила входу',
    'webauthn.policy_intro':
      'Зробіть ключ безпеки або passkey обовʼязковим для деяких ролей або для всіх. Зміна набуває чинності, коли її схвалить другий адміністратор. Працівникам цих ролей без ключа під час наступного входу буде запропоновано його додати.',
    'webauthn.policy_current': 'Чинні',
    'webauthn.policy_roles': 'Ключ безпеки обовʼязковий для',
    'webauthn.policy_totp': 'Пароль і код (TOTP) і далі дають змогу цим ролям увійти як запасний спосіб',
    'webauthn.policy_none': 'жодної ролі',
    'webauthn.yes': 'так',
    'webauthn.no': 'ні',
    'webauthn.policy_submit': 'Запитати ці правила',
  },
});
