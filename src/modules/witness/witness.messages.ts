import { defineMessages } from '../../platform/i18n/index.ts';

/**
 * Texts of the witness silence alarm (ADR 0213) in en, ru and uk: the administration page's
 * section. Its audit actions are named with every other in src/modules/audit/audit-actions.ts.
 */
export const witnessMessages = defineMessages({
  en: {
    'witness.silences': 'Witness silence',
    'witness.silences_help':
      'No signed checkpoint was exchanged with these servers within {minutes} minutes. An origin that stops pushing may have had its audit log frozen or rolled back, or its pushes stopped, by someone with access to its server; a witness that stops countersigning leaves this server’s log unwitnessed. Contact the organisation through a channel you trust, run `sanctuary audit verify --witness` with their copies, and treat the server as suspect until you know why. Acknowledging only removes the alarm from this page; it is audited.',
    'witness.silence_origin': 'No checkpoint from {peer}, whose logs this server witnesses, since {last}',
    'witness.silence_witness': 'No countersignature from {peer}, which witnesses this server, since {last}',
    'witness.silence_never': 'ever (watched since the alarm’s window began)',
    'witness.silence_raised': 'alarm raised {at}',
    'witness.silence_ended': 'checkpoints arrived again {at}',
    'witness.silence_acknowledge': 'Acknowledge',
    'witness.silence_acknowledged': 'Silence alarm acknowledged.',
  },
  ru: {
    'witness.silences': 'Молчание свидетеля',
    'witness.silences_help':
      'С этими серверами не было обмена подписанными контрольными точками дольше {minutes} мин. Если источник перестал присылать точки, его журнал аудита могли заморозить или откатить либо остановить отправку — тот, у кого есть доступ к его серверу; если свидетель перестал заверять точки, журнал этого сервера остаётся без свидетеля. Свяжитесь с организацией по надёжному каналу, выполните `sanctuary audit verify --witness` с их копиями и считайте сервер подозрительным, пока не выясните причину. Подтверждение лишь убирает сигнал с этой страницы и записывается в журнал аудита.',
    'witness.silence_origin': 'Нет контрольных точек от {peer} (этот сервер — его свидетель) с {last}',
    'witness.silence_witness': 'Нет заверений от {peer} (свидетель этого сервера) с {last}',
    'witness.silence_never': 'ни разу (с начала наблюдения)',
    'witness.silence_raised': 'сигнал поднят {at}',
    'witness.silence_ended': 'точки снова поступают с {at}',
    'witness.silence_acknowledge': 'Подтвердить',
    'witness.silence_acknowledged': 'Сигнал о молчании подтверждён.',
  },
  uk: {
    'witness.silences': 'Мовчання свідка',
    'witness.silences_help':
      'З цими серверами не було обміну підписаними контрольними точками довше за {minutes} хв. Якщо джерело перестало надсилати точки, його журнал аудиту могли заморозити чи відкотити або зупинити надсилання — той, хто має доступ до його сервера; якщо свідок перестав засвідчувати точки, журнал цього сервера лишається без свідка. Зв’яжіться з організацією надійним каналом, виконайте `sanctuary audit verify --witness` з їхніми копіями й вважайте сервер підозрілим, доки не з’ясуєте причину. Підтвердження лише прибирає сигнал із цієї сторінки й записується до журналу аудиту.',
    'witness.silence_origin': 'Немає контрольних точок від {peer} (цей сервер — його свідок) з {last}',
    'witness.silence_witness': 'Немає засвідчень від {peer} (свідок цього сервера) з {last}',
    'witness.silence_never': 'жодного разу (від початку спостереження)',
    'witness.silence_raised': 'сигнал піднято {at}',
    'witness.silence_ended': 'точки знову надходять з {at}',
    'witness.silence_acknowledge': 'Підтвердити',
    'witness.silence_acknowledged': 'Сигнал про мовчання підтверджено.',
  },
});
