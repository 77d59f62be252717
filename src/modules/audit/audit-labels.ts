import { defineMessages, type Locale } from '../../platform/i18n/index.ts';
import { AUDIT_ACTIONS, isAuditAction, namedAuditAction } from './audit-actions.ts';

/**
 * Readable names of audit actions and actors (issue 21 item 4, ADR 0191), in en, ru and uk: the
 * audit-log viewer and a case's access log show these, never the stored codes. Every action the
 * code writes is named in `audit-actions.ts` (ADR 0208); an entry written under a name no longer
 * in use is shown by its area ("Payments: other action"); the stored entry is unchanged.
 */
const en = {
  'audit.area.auth': 'Sign-in',
  'audit.area.staff': 'Staff',
  'audit.area.approval': 'Approvals',
  'audit.area.case': 'Cases',
  'audit.area.server': 'Server',
  'audit.area.keys': 'Keys',
  'audit.area.retention': 'Retention',
  'audit.area.witness': 'Witnesses',
  'audit.area.intake': 'Intake',
  'audit.area.ledger': 'Payments',
  'audit.area.referral': 'Referrals',
  'audit.area.federation': 'Other servers',
  'audit.area.tracing': 'Tracing',
  'audit.area.vetting': 'Vetting',
  'audit.area.evidence': 'Evidence',
  'audit.area.reports': 'Reports',
  'audit.area.pathways': 'Pathways',
  'audit.area.ha': 'Contact codes',
  'audit.area.partner': 'Partners',
  'audit.area.team': 'Teams',
  'audit.area.linkage': 'Record linkage',
  'audit.area.audit': 'Audit log',
  'audit.area.notifications': 'Notifications',
  'audit.area.organisation': 'Organisation',
  'audit.area.evidence_link': 'Evidence links',
  'audit.actor.anonymous': 'Someone not signed in',
  'audit.actor.applicant': 'The applicant',
  'audit.actor.system': 'The server',
  'audit.actor.cli': 'The operator (command line)',
  'audit.actor.unknown': 'A former account',
  'audit.other': '{area}: other action',
  'audit.area.other': 'Other',
  'audit.restricted_case': 'a restricted case',
};

const labels = defineMessages({
  en,
  ru: {
    'audit.area.auth': 'Вход',
    'audit.area.staff': 'Сотрудники',
    'audit.area.approval': 'Одобрения',
    'audit.area.case': 'Дела',
    'audit.area.server': 'Сервер',
    'audit.area.keys': 'Ключи',
    'audit.area.retention': 'Хранение',
    'audit.area.witness': 'Свидетели',
    'audit.area.intake': 'Приём',
    'audit.area.ledger': 'Выплаты',
    'audit.area.referral': 'Направления',
    'audit.area.federation': 'Другие серверы',
    'audit.area.tracing': 'Розыск',
    'audit.area.vetting': 'Проверка',
    'audit.area.evidence': 'Доказательства',
    'audit.area.reports': 'Отчёты',
    'audit.area.pathways': 'Маршруты',
    'audit.area.ha': 'Коды связи',
    'audit.area.partner': 'Партнёры',
    'audit.area.team': 'Команды',
    'audit.area.linkage': 'Связывание записей',
    'audit.area.audit': 'Журнал аудита',
    'audit.area.notifications': 'Уведомления',
    'audit.area.organisation': 'Организация',
    'audit.area.evidence_link': 'Связи доказательств',
    'audit.actor.anonymous': 'Неизвестный (без входа)',
    'audit.actor.applicant': 'Заявитель',
    'audit.actor.system': 'Сервер',
    'audit.actor.cli': 'Оператор (командная строка)',
    'audit.actor.unknown': 'Бывшая учётная запись',
    'audit.other': '{area}: другое действие',
    'audit.area.other': 'Прочее',
    'audit.restricted_case': 'дело с ограниченным доступом',
  },
  uk: {
    'audit.area.auth': 'Вхід',
    'audit.area.staff': 'Працівники',
    'audit.area.approval': 'Схвалення',
    'audit.area.case': 'Справи',
    'audit.area.server': 'Сервер',
    'audit.area.keys': 'Ключі',
    'audit.area.retention': 'Зберігання',
    'audit.area.witness': 'Свідки',
    'audit.area.intake': 'Прийом',
    'audit.area.ledger': 'Виплати',
    'audit.area.referral': 'Направлення',
    'audit.area.federation': 'Інші сервери',
    'audit.area.tracing': 'Розшук',
    'audit.area.vetting': 'Перевірка',
    'audit.area.evidence': 'Докази',
    'audit.area.reports': 'Звіти',
    'audit.area.pathways': 'Маршрути',
    'audit.area.ha': 'Коди зв’язку',
    'audit.area.partner': 'Партнери',
    'audit.area.team': 'Команди',
    'audit.area.linkage': 'Зв’язування записів',
    'audit.area.audit': 'Журнал аудиту',
    'audit.area.notifications': 'Сповіщення',
    'audit.area.organisation': 'Організація',
    'audit.area.evidence_link': 'Зв’язки доказів',
    'audit.actor.anonymous': 'Невідомий (без входу)',
    'audit.actor.applicant': 'Заявник',
    'audit.actor.system': 'Сервер',
    'audit.actor.cli': 'Оператор (командний рядок)',
    'audit.actor.unknown': 'Колишній обліковий запис',
    'audit.other': '{area}: інша дія',
    'audit.area.other': 'Інше',
    'audit.restricted_case': 'справа з обмеженим доступом',
  },
});

type LabelKey = keyof typeof en;
const has = (key: string): key is LabelKey => Object.hasOwn(en, key);

/** Every action the code can write, each with a name of its own (for the viewer's action filter). */
export const NAMED_AUDIT_ACTIONS: readonly string[] = AUDIT_ACTIONS;

/** An audit action's readable name in `locale`; an action no longer written, by its area. */
export function auditActionLabel(locale: Locale, action: string): string {
  if (isAuditAction(action)) return namedAuditAction(locale, action);
  const area = `audit.area.${action.split('.')[0]}`;
  return labels(locale, 'audit.other', { area: labels(locale, has(area) ? area : 'audit.area.other') });
}

/** The readable name of an actor that is not a staff member (anonymous, applicant, system, cli). */
export function auditActorLabel(locale: Locale, actor: string): string {
  const key = `audit.actor.${actor}`;
  return labels(locale, has(key) ? key : 'audit.actor.unknown');
}

/** The readable name of a kind of record (the part of a target before its colon). */
export function auditAreaLabel(locale: Locale, kind: string): string {
  const key = `audit.area.${kind}`;
  return labels(locale, has(key) ? key : 'audit.area.other');
}

/** Other fixed texts of the audit labels. */
export function auditText(locale: Locale, key: 'audit.restricted_case'): string {
  return labels(locale, key);
}
