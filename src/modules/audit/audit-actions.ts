import type { Locale } from '../../platform/i18n/index.ts';

/**
 * Every action the audit log can be given, with its readable name in English, Russian and
 * Ukrainian (issue 21 item 4, ADR 0191, ADR 0208). `recordAudit` accepts only these names
 * (`AuditAction`), so an action written anywhere in the code has a name in every language or
 * the code does not compile; `audit-labels.test.ts` checks the names themselves.
 */
export const AUDIT_ACTION_LABELS = {
  // Signing in
  'auth.sign_in': ['Signed in', 'Вход', 'Вхід'],
  'auth.sign_in_failed': ['Failed sign-in', 'Неудачный вход', 'Невдалий вхід'],
  'auth.sign_out': ['Signed out', 'Выход', 'Вихід'],
  'auth.duress': [
    'Signed in with the duress password',
    'Вход с паролем под принуждением',
    'Вхід із паролем під примусом',
  ],
  'auth.duress_set': ['Duress password set', 'Пароль под принуждением задан', 'Пароль під примусом задано'],
  'auth.duress_removed': [
    'Duress password removed',
    'Пароль под принуждением удалён',
    'Пароль під примусом видалено',
  ],
  'auth.webauthn_clone_suspected': [
    'Security key possibly copied (signature counter went back)',
    'Ключ безопасности, возможно, скопирован (счётчик подписей уменьшился)',
    'Ключ безпеки, можливо, скопійовано (лічильник підписів зменшився)',
  ],
  // Staff accounts
  'staff.create': ['Account created', 'Учётная запись создана', 'Обліковий запис створено'],
  'staff.list': ['Staff list viewed', 'Просмотр списка сотрудников', 'Перегляд списку працівників'],
  'staff.disable': ['Account disabled', 'Учётная запись отключена', 'Обліковий запис вимкнено'],
  'staff.reenable': [
    'Account re-enabled',
    'Учётная запись снова включена',
    'Обліковий запис знову ввімкнено',
  ],
  'staff.role': ['Role changed', 'Роль изменена', 'Роль змінено'],
  'staff.enrolled': ['Enrolment completed', 'Регистрация завершена', 'Реєстрацію завершено'],
  'staff.enrolment_opened': [
    'Enrolment link opened',
    'Ссылка для регистрации открыта',
    'Посилання для реєстрації відкрито',
  ],
  'staff.enrolment_reissued': [
    'New enrolment link issued',
    'Выдана новая ссылка для регистрации',
    'Видано нове посилання для реєстрації',
  ],
  'staff.second_factor_reset': [
    'Password and second factor reset',
    'Сброс пароля и второго фактора',
    'Скидання пароля та другого фактора',
  ],
  'staff.password_reset': ['Password reset', 'Сброс пароля', 'Скидання пароля'],
  'staff.password_set': ['New password set', 'Задан новый пароль', 'Задано новий пароль'],
  'staff.auth_policy': ['Sign-in policy changed', 'Политика входа изменена', 'Політику входу змінено'],
  'staff.webauthn_enrolled': ['Security key added', 'Ключ безопасности добавлен', 'Ключ безпеки додано'],
  'staff.webauthn_enrol_failed': [
    'Security key could not be added',
    'Не удалось добавить ключ безопасности',
    'Не вдалося додати ключ безпеки',
  ],
  'staff.webauthn_removed': ['Security key removed', 'Ключ безопасности удалён', 'Ключ безпеки видалено'],
  'staff.webauthn_renamed': [
    'Security key renamed',
    'Ключ безопасности переименован',
    'Ключ безпеки перейменовано',
  ],
  'team.create': ['Team created', 'Команда создана', 'Команду створено'],
  'team.member_add': ['Team member added', 'Участник добавлен в команду', 'Учасника додано до команди'],
  // The audit log itself
  'audit.read': ['Audit log read', 'Просмотр журнала аудита', 'Перегляд журналу аудиту'],
  // Two-person requests
  'approval.request': [
    'Two-person request filed',
    'Подан запрос на второе одобрение',
    'Подано запит на друге схвалення',
  ],
  'case.approval_request': [
    'Second approval requested on a case',
    'Запрошено второе одобрение по делу',
    'Запитано друге схвалення у справі',
  ],
  'case.approval_approve': ['Request approved', 'Запрос одобрен', 'Запит схвалено'],
  'case.approval_reject': ['Request rejected', 'Запрос отклонён', 'Запит відхилено'],
  'case.settings': [
    'Two-person rule for cases changed',
    'Правило второго одобрения для дел изменено',
    'Правило другого схвалення для справ змінено',
  ],
  // Cases
  'case.create': ['Case opened', 'Дело открыто', 'Справу відкрито'],
  'case.read': ['Case file read', 'Просмотр дела', 'Перегляд справи'],
  'case.search': ['Cases searched', 'Поиск дел', 'Пошук справ'],
  'case.due_list': ['Due items listed', 'Просмотр сроков по делам', 'Перегляд строків у справах'],
  'case.access_log': [
    'Case access log read',
    'Просмотр журнала доступа к делу',
    'Перегляд журналу доступу до справи',
  ],
  'case.anomaly_report': [
    'Unusual access report read',
    'Просмотр отчёта о необычном доступе',
    'Перегляд звіту про незвичний доступ',
  ],
  'case.break_glass': ['Emergency access (break-glass)', 'Экстренный доступ', 'Екстрений доступ'],
  'case.break_glass_extend': [
    'Emergency access extended',
    'Экстренный доступ продлён',
    'Екстрений доступ продовжено',
  ],
  'case.break_glass_review': [
    'Emergency access reviewed',
    'Проверка экстренного доступа',
    'Перевірка екстреного доступу',
  ],
  'case.assign': ['Case assigned', 'Дело назначено', 'Справу призначено'],
  'case.self_assign': ['Case taken (self-assigned)', 'Дело взято себе', 'Справу взято собі'],
  'case.self_assign_request': [
    'Asked to take a case',
    'Запрос на то, чтобы взять дело себе',
    'Запит на те, щоб взяти справу собі',
  ],
  'case.status': ['Case status changed', 'Статус дела изменён', 'Статус справи змінено'],
  'case.close': ['Case closed', 'Дело закрыто', 'Справу закрито'],
  'case.reopen': ['Case reopened', 'Дело открыто заново', 'Справу відкрито знову'],
  'case.reply': ['Reply sent', 'Ответ отправлен', 'Відповідь надіслано'],
  'case.message_in': ['Message from the applicant', 'Сообщение от заявителя', 'Повідомлення від заявника'],
  'case.note_add': ['Note added', 'Заметка добавлена', 'Нотатку додано'],
  'case.task_add': ['Task added', 'Задача добавлена', 'Завдання додано'],
  'case.task_done': ['Task done', 'Задача выполнена', 'Завдання виконано'],
  'case.person_update': ['Personal details changed', 'Личные данные изменены', 'Особисті дані змінено'],
  'case.intake_update': ['Intake answers changed', 'Ответы анкеты изменены', 'Відповіді анкети змінено'],
  'case.document_add': ['Document added', 'Документ добавлен', 'Документ додано'],
  'case.pathways_check': [
    'Pathways checked for the case',
    'Проверка маршрутов по делу',
    'Перевірка маршрутів у справі',
  ],
  'case.export_pdf': ['Case exported as PDF', 'Дело выгружено в PDF', 'Справу вивантажено в PDF'],
  'case.export_pdf_request': [
    'PDF export requested (second approval)',
    'Запрошена выгрузка в PDF (второе одобрение)',
    'Запитано вивантаження в PDF (друге схвалення)',
  ],
  'case.bulk_export_request': [
    'Bulk export requested (second approval)',
    'Запрошена массовая выгрузка (второе одобрение)',
    'Запитано масове вивантаження (друге схвалення)',
  ],
  'case.bulk_export': ['Cases exported in bulk', 'Массовая выгрузка дел', 'Масове вивантаження справ'],
  'case.bulk_export_download': [
    'Bulk export downloaded',
    'Массовая выгрузка скачана',
    'Масове вивантаження завантажено',
  ],
  'case.erased': ['Case erased', 'Дело удалено', 'Справу видалено'],
  // The server and its keys
  'server.seal': ['Server sealed', 'Сервер запечатан', 'Сервер запечатано'],
  'server.seal_fleet': [
    'Every server of the deployment sealed',
    'Все серверы развёртывания запечатаны',
    'Усі сервери розгортання запечатано',
  ],
  'server.unseal': ['Server unsealed', 'Сервер распечатан', 'Сервер розпечатано'],
  'server.unseal_failed': [
    'Failed unseal',
    'Неудачная попытка распечатать сервер',
    'Невдала спроба розпечатати сервер',
  ],
  'server.unseal_handoff': [
    'Key handed over to another server of the deployment',
    'Ключ передан другому серверу развёртывания',
    'Ключ передано іншому серверу розгортання',
  ],
  'server.unseal_share': ['Key share entered', 'Введена доля ключа', 'Введено частку ключа'],
  'keys.init': ['Keys created', 'Ключи созданы', 'Ключі створено'],
  'keys.init_dev': [
    'Development keys created',
    'Созданы ключи для разработки',
    'Створено ключі для розробки',
  ],
  'keys.rotate': ['Root key rotated', 'Корневой ключ заменён', 'Кореневий ключ замінено'],
  // Retention and witnesses
  'retention.hold': [
    'Legal hold placed',
    'Установлено юридическое удержание',
    'Встановлено юридичне утримання',
  ],
  'retention.hold_lift': ['Legal hold lifted', 'Юридическое удержание снято', 'Юридичне утримання знято'],
  'retention.rules': ['Retention rules changed', 'Правила хранения изменены', 'Правила зберігання змінено'],
  'witness.fork': [
    'Fork of the audit log detected',
    'Обнаружено расхождение журнала аудита',
    'Виявлено розбіжність журналу аудиту',
  ],
  'witness.fork_acknowledge': [
    'Fork alarm acknowledged',
    'Сигнал о расхождении подтверждён',
    'Сигнал про розбіжність підтверджено',
  ],
  // The witness silence alarm (ADR 0213, built beside this list: its names as that lane wrote them).
  'witness.silence': [
    'Witness silence alarm raised',
    'Сигнал о молчании свидетеля',
    'Сигнал про мовчання свідка',
  ],
  'witness.silence_end': [
    'Witness checkpoints arrived again',
    'Контрольные точки свидетеля снова поступают',
    'Контрольні точки свідка знову надходять',
  ],
  'witness.silence_acknowledge': [
    'Witness silence alarm acknowledged',
    'Сигнал о молчании свидетеля подтверждён',
    'Сигнал про мовчання свідка підтверджено',
  ],
  // Intake
  'intake.attachment_add': ['Attachment added', 'Вложение добавлено', 'Вкладення додано'],
  'intake.attachment_read': ['Attachment opened', 'Вложение открыто', 'Вкладення відкрито'],
  'intake.attachment_read_original': [
    'Original attachment opened (unredacted)',
    'Открыт оригинал вложения (без обработки)',
    'Відкрито оригінал вкладення (без обробки)',
  ],
  'intake.partner_issue': [
    'Partner access token issued',
    'Выдан токен доступа партнёра',
    'Видано токен доступу партнера',
  ],
  'intake.partner_revoke': [
    'Partner access token revoked',
    'Токен доступа партнёра отозван',
    'Токен доступу партнера відкликано',
  ],
  'intake.partner_submit': [
    'Case submitted by a partner',
    'Дело подано партнёром',
    'Справу подано партнером',
  ],
  'intake.partner_replay': [
    'Partner submission repeated',
    'Повторная отправка от партнёра',
    'Повторне надсилання від партнера',
  ],
  'intake.partner_rejected': [
    'Partner submission refused',
    'Отправка от партнёра отклонена',
    'Надсилання від партнера відхилено',
  ],
  // Payments
  'ledger.currency_add': ['Currency added', 'Валюта добавлена', 'Валюту додано'],
  'ledger.account_open': ['Ledger account opened', 'Счёт учёта открыт', 'Рахунок обліку відкрито'],
  'ledger.rate': ['Exchange rate recorded', 'Курс обмена записан', 'Курс обміну записано'],
  'ledger.convert': ['Currency converted', 'Валюта обменяна', 'Валюту обміняно'],
  'ledger.transfer_pending': ['Transfer reserved', 'Перевод зарезервирован', 'Переказ зарезервовано'],
  'ledger.transfer_post': ['Transfer posted', 'Перевод проведён', 'Переказ проведено'],
  'ledger.transfer_void': [
    'Reserved transfer voided',
    'Резерв перевода отменён',
    'Резерв переказу скасовано',
  ],
  'ledger.transfer_reverse': ['Transfer reversed', 'Перевод сторнирован', 'Переказ сторновано'],
  'ledger.transfer_expire': [
    'Reserved transfer expired',
    'Срок резерва перевода истёк',
    'Строк резерву переказу сплив',
  ],
  'ledger.transfer_pending_request': [
    'Transfers reserved (several in one request)',
    'Переводы зарезервированы (несколько в одном запросе)',
    'Перекази зарезервовано (кілька в одному запиті)',
  ],
  'ledger.transfer_post_request': [
    'Transfers posted (several in one request)',
    'Переводы проведены (несколько в одном запросе)',
    'Перекази проведено (кілька в одному запиті)',
  ],
  'ledger.transfer_void_request': [
    'Reserved transfers voided (several in one request)',
    'Резервы переводов отменены (несколько в одном запросе)',
    'Резерви переказів скасовано (кілька в одному запиті)',
  ],
  'ledger.disbursement_request': ['Payment requested', 'Запрошена выплата', 'Запитано виплату'],
  'ledger.disbursement_approve': ['Payment approved', 'Выплата одобрена', 'Виплату схвалено'],
  'ledger.disbursement_deny': ['Payment refused', 'В выплате отказано', 'У виплаті відмовлено'],
  'ledger.disbursement_pause': ['Payment paused', 'Выплата приостановлена', 'Виплату призупинено'],
  'ledger.disbursement_signoff': [
    'Payment signed off by vetting',
    'Выплата согласована проверкой',
    'Виплату погоджено перевіркою',
  ],
  'ledger.payment_details_reveal': [
    'Payment details revealed',
    'Платёжные реквизиты показаны',
    'Платіжні реквізити показано',
  ],
  'ledger.payment_details_reveal_again': [
    'Payment details revealed again',
    'Платёжные реквизиты показаны повторно',
    'Платіжні реквізити показано повторно',
  ],
  'ledger.reward_schedule_add': [
    'Reward schedule added',
    'Добавлена шкала вознаграждений',
    'Додано шкалу винагород',
  ],
  'ledger.reward_claim': ['Reward claimed', 'Запрошено вознаграждение', 'Запитано винагороду'],
  'ledger.reward_verify': ['Reward verified', 'Вознаграждение подтверждено', 'Винагороду підтверджено'],
  'ledger.authenticity_record': [
    'What the person brought recorded',
    'Записано, что принёс человек',
    'Записано, що принесла людина',
  ],
  'ledger.authenticity_read': [
    'What the person brought read',
    'Просмотр записи о том, что принёс человек',
    'Перегляд запису про те, що принесла людина',
  ],
  'ledger.thresholds_set': ['Approval thresholds set', 'Пороги одобрения заданы', 'Пороги схвалення задано'],
  'ledger.budget_terms': ['Budget line described', 'Статья бюджета описана', 'Статтю бюджету описано'],
  'ledger.donor_report': [
    'Donor report produced',
    'Сформирован отчёт для донора',
    'Сформовано звіт для донора',
  ],
  'ledger.statement_mapping': [
    'Bank statement columns mapped',
    'Сопоставлены столбцы банковской выписки',
    'Зіставлено стовпці банківської виписки',
  ],
  'ledger.statement_import': [
    'Bank statement imported',
    'Банковская выписка загружена',
    'Банківську виписку завантажено',
  ],
  'ledger.statement_match': [
    'Statement line matched to a transfer',
    'Строка выписки сопоставлена с переводом',
    'Рядок виписки зіставлено з переказом',
  ],
  'ledger.statement_unmatch': [
    'Statement line unmatched',
    'Сопоставление строки выписки отменено',
    'Зіставлення рядка виписки скасовано',
  ],
  'ledger.export_transfers': ['Transfers exported', 'Переводы выгружены', 'Перекази вивантажено'],
  'ledger.export_balances': ['Balances exported', 'Остатки выгружены', 'Залишки вивантажено'],
  // Referrals and partners
  'referral.create': ['Referral drafted', 'Направление составлено', 'Направлення складено'],
  'referral.consent_ask': [
    'Applicant asked for consent to a referral',
    'У заявителя запрошено согласие на направление',
    'У заявника запитано згоду на направлення',
  ],
  'referral.consent': [
    'Consent to a referral recorded',
    'Согласие на направление записано',
    'Згоду на направлення записано',
  ],
  'referral.approve_disclosure': [
    'Disclosure to a partner approved',
    'Передача данных партнёру одобрена',
    'Передачу даних партнеру схвалено',
  ],
  'referral.send': ['Referral sent', 'Направление отправлено', 'Направлення надіслано'],
  'referral.reroute': ['Referral redirected', 'Направление перенаправлено', 'Направлення переспрямовано'],
  'referral.withdraw': ['Referral withdrawn', 'Направление отозвано', 'Направлення відкликано'],
  'referral.accept': ['Referral accepted', 'Направление принято', 'Направлення прийнято'],
  'referral.decline': ['Referral declined', 'В направлении отказано', 'У направленні відмовлено'],
  'referral.start': ['Partner started helping', 'Партнёр начал помощь', 'Партнер розпочав допомогу'],
  'referral.complete': ['Referral completed', 'Направление выполнено', 'Направлення виконано'],
  'referral.pause': ['Referral paused', 'Направление приостановлено', 'Направлення призупинено'],
  'referral.resume': ['Referral resumed', 'Направление возобновлено', 'Направлення відновлено'],
  'referral.expire': ['Referral expired', 'Срок направления истёк', 'Строк направлення сплив'],
  'referral.reminder': [
    'Partner reminded',
    'Партнёру отправлено напоминание',
    'Партнеру надіслано нагадування',
  ],
  'referral.message': ['Message on a referral', 'Сообщение по направлению', 'Повідомлення щодо направлення'],
  'referral.read': ['Referral read', 'Просмотр направления', 'Перегляд направлення'],
  'referral.partner_read': [
    'Referral read by the partner',
    'Направление просмотрено партнёром',
    'Направлення переглянуто партнером',
  ],
  'referral.remote_answer': [
    'Answer from another server applied',
    'Применён ответ с другого сервера',
    'Застосовано відповідь з іншого сервера',
  ],
  'referral.remote_ignored': [
    'Answer from another server not applied',
    'Ответ с другого сервера не применён',
    'Відповідь з іншого сервера не застосовано',
  ],
  'referral.reports': [
    'Referral figures read',
    'Просмотр показателей направлений',
    'Перегляд показників направлень',
  ],
  'partner.create': ['Partner added', 'Партнёр добавлен', 'Партнера додано'],
  'partner.list': [
    'Partner directory viewed',
    'Просмотр справочника партнёров',
    'Перегляд довідника партнерів',
  ],
  'partner.read': ['Partner record read', 'Просмотр карточки партнёра', 'Перегляд картки партнера'],
  'partner.vet': ['Partner vetted', 'Партнёр проверен', 'Партнера перевірено'],
  'partner.reject': ['Partner rejected', 'Партнёр отклонён', 'Партнера відхилено'],
  'partner.flag': [
    'Partner flagged by the watchlist',
    'Партнёр отмечен по списку наблюдения',
    'Партнера позначено за списком спостереження',
  ],
  'partner.capacity': [
    'Partner capacity changed',
    'Вместимость партнёра изменена',
    'Місткість партнера змінено',
  ],
  'partner.member_add': [
    'Partner staff member added',
    'Добавлен сотрудник партнёра',
    'Додано працівника партнера',
  ],
  // Other servers
  'federation.peer_add': ['Server added', 'Сервер добавлен', 'Сервер додано'],
  'federation.peer_verify': ['Server verified', 'Сервер подтверждён', 'Сервер підтверджено'],
  'federation.peer_revoke': ['Server revoked', 'Сервер отозван', 'Сервер відкликано'],
  'federation.referral_send': [
    'Referral sent to another server',
    'Направление отправлено на другой сервер',
    'Направлення надіслано на інший сервер',
  ],
  'federation.status_send': [
    'Status sent to another server',
    'Статус отправлен на другой сервер',
    'Статус надіслано на інший сервер',
  ],
  'federation.referral_receive': [
    'Referral received from another server',
    'Направление получено с другого сервера',
    'Направлення отримано з іншого сервера',
  ],
  'federation.status_receive': [
    'Status received from another server',
    'Статус получен с другого сервера',
    'Статус отримано з іншого сервера',
  ],
  'federation.delivered': ['Packet delivered', 'Пакет доставлен', 'Пакет доставлено'],
  'federation.delivery_fail': ['Packet delivery failed', 'Пакет не доставлен', 'Пакет не доставлено'],
  'federation.packet_export': [
    'Packet exported as a file',
    'Пакет выгружен в файл',
    'Пакет вивантажено у файл',
  ],
  // Tracing
  'tracing.request': ['Tracing request filed', 'Подан запрос на розыск', 'Подано запит на розшук'],
  'tracing.read': ['Tracing request read', 'Просмотр запроса на розыск', 'Перегляд запиту на розшук'],
  'tracing.rematch': [
    'Tracing request matched again',
    'Повторный поиск совпадений',
    'Повторний пошук збігів',
  ],
  'tracing.proposal_confirm': ['Match confirmed', 'Совпадение подтверждено', 'Збіг підтверджено'],
  'tracing.proposal_reject': ['Match rejected', 'Совпадение отклонено', 'Збіг відхилено'],
  'tracing.consent': ['Consent to be found given', 'Дано согласие на контакт', 'Надано згоду на контакт'],
  'tracing.consent_refused': [
    'Consent to be found refused',
    'В согласии на контакт отказано',
    'У згоді на контакт відмовлено',
  ],
  'tracing.consent_withdraw': [
    'Consent to be found withdrawn',
    'Согласие на контакт отозвано',
    'Згоду на контакт відкликано',
  ],
  'tracing.relay': ['Message relayed', 'Сообщение передано', 'Повідомлення передано'],
  'tracing.close': ['Tracing request closed', 'Запрос на розыск закрыт', 'Запит на розшук закрито'],
  'tracing.partner_rejected': [
    'Partner tracing call refused',
    'Запрос партнёра на розыск отклонён',
    'Запит партнера на розшук відхилено',
  ],
  // Vetting and record linkage
  'vetting.decide': ['Vetting decision', 'Решение по проверке', 'Рішення щодо перевірки'],
  'vetting.signal_read': [
    'Vetting signals read',
    'Просмотр сигналов проверки',
    'Перегляд сигналів перевірки',
  ],
  'vetting.watchlist_import': [
    'Watchlist imported',
    'Список наблюдения загружен',
    'Список спостереження завантажено',
  ],
  'vetting.watchlist_retire': [
    'Watchlist retired',
    'Список наблюдения выведен из работы',
    'Список спостереження виведено з роботи',
  ],
  'linkage.compare': ['Records compared', 'Записи сопоставлены', 'Записи зіставлено'],
  'linkage.model_estimate': [
    'Linkage model estimated',
    'Оценена модель связывания',
    'Оцінено модель зв’язування',
  ],
  // Evidence
  'evidence.received': ['Evidence received', 'Доказательство получено', 'Доказ отримано'],
  'evidence.viewed': ['Evidence viewed', 'Доказательство просмотрено', 'Доказ переглянуто'],
  'evidence.copied': ['Evidence copied', 'Доказательство скопировано', 'Доказ скопійовано'],
  'evidence.redacted': ['Evidence redacted', 'Доказательство обезличено', 'Доказ знеособлено'],
  'evidence.consent_recorded': [
    'Consent for evidence recorded',
    'Согласие на использование доказательства записано',
    'Згоду на використання доказу записано',
  ],
  'evidence.exported': ['Evidence exported', 'Доказательство выгружено', 'Доказ вивантажено'],
  'evidence.transferred': ['Evidence handed over', 'Доказательство передано', 'Доказ передано'],
  'evidence.returned': ['Evidence returned', 'Доказательство возвращено', 'Доказ повернуто'],
  'evidence_link.added': [
    'Evidence linked to a unit or commander',
    'Доказательство связано с частью или командиром',
    'Доказ пов’язано з частиною або командиром',
  ],
  'evidence_link.removed': [
    'Evidence link removed',
    'Связь доказательства удалена',
    'Зв’язок доказу видалено',
  ],
  'evidence_link.listed': [
    'Evidence links listed',
    'Просмотр связей доказательств',
    'Перегляд зв’язків доказів',
  ],
  // Contact codes (restricted teams)
  'ha.code_issue': ['Contact code issued', 'Код связи выдан', 'Код зв’язку видано'],
  'ha.code_revoke': ['Contact code revoked', 'Код связи отозван', 'Код зв’язку відкликано'],
  'ha.code_use': ['Contact code used', 'Код связи использован', 'Код зв’язку використано'],
  'ha.break_glass_request': [
    'Emergency access to a restricted case requested',
    'Запрошен экстренный доступ к делу с ограниченным доступом',
    'Запитано екстрений доступ до справи з обмеженим доступом',
  ],
  // Pathways, reports, notifications, organisation
  'pathways.pack_load': ['Pathways pack loaded', 'Пакет маршрутов загружен', 'Пакет маршрутів завантажено'],
  'pathways.pack_publish': [
    'Pathways pack published',
    'Пакет маршрутов опубликован',
    'Пакет маршрутів опубліковано',
  ],
  'pathways.pack_refused': ['Pathways pack refused', 'Пакет маршрутов отклонён', 'Пакет маршрутів відхилено'],
  'reports.export': ['Report table exported', 'Таблица отчёта выгружена', 'Таблицю звіту вивантажено'],
  'reports.release': ['Statistics released', 'Статистика опубликована', 'Статистику опубліковано'],
  'reports.budget': [
    'Privacy budget changed',
    'Бюджет конфиденциальности изменён',
    'Бюджет конфіденційності змінено',
  ],
  'notifications.email_on': [
    'E-mail notifications turned on',
    'Уведомления по почте включены',
    'Сповіщення поштою ввімкнено',
  ],
  'notifications.email_off': [
    'E-mail notifications turned off',
    'Уведомления по почте выключены',
    'Сповіщення поштою вимкнено',
  ],
  'organisation.draft_saved': [
    'Organisation settings draft saved',
    'Черновик настроек организации сохранён',
    'Чернетку налаштувань організації збережено',
  ],
  'organisation.draft_discarded': [
    'Organisation settings draft discarded',
    'Черновик настроек организации отброшен',
    'Чернетку налаштувань організації відкинуто',
  ],
  'organisation.logo_set': ['Logo changed', 'Логотип изменён', 'Логотип змінено'],
  'organisation.published': [
    'Organisation settings published',
    'Настройки организации опубликованы',
    'Налаштування організації опубліковано',
  ],
} as const satisfies Record<string, readonly [en: string, ru: string, uk: string]>;

/** An action the audit log accepts: one with a readable name in every language. */
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;

/** Every action the audit log accepts, in the order above (grouped by area). */
export const AUDIT_ACTIONS: readonly AuditAction[] = Object.keys(AUDIT_ACTION_LABELS).filter(isAuditAction);

const COLUMN: Readonly<Record<Locale, 0 | 1 | 2>> = { en: 0, ru: 1, uk: 2 };

/** True for an action the code can write today (older entries may hold retired names). */
export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_ACTION_LABELS, action);
}

/** The readable name of a known action in `locale`. */
export function namedAuditAction(locale: Locale, action: AuditAction): string {
  return AUDIT_ACTION_LABELS[action][COLUMN[locale]];
}
