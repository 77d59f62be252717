import type { ComponentChildren } from 'preact';
import { catalogueFor, type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  type FieldErrors,
  Field as KitField,
  SelectField,
  type StaffNavModel,
  StaffPage,
  TextAreaField,
} from '../../platform/ui/index.ts';
import {
  type CaseAccessMessageKey,
  isCaseAccessMessageKey,
  caseAccessMessages as m,
} from './case-access.messages.ts';

/**
 * The workspace's page frame under /staff/cases (shared by the case core, case access and
 * case pathways): the workspace navigation, flash and error lines, and the form helpers.
 */

/** A catalogue of a module built on this frame (the case core's), asked before this one's. */
interface WorkspaceCatalogue {
  has(key: string): boolean;
  text(locale: Locale, key: string, params?: Record<string, string | number>): string;
}
const catalogues: WorkspaceCatalogue[] = [];

/** Lets `msg` (form errors, labels) name keys of another workspace catalogue (at its import). */
export function registerWorkspaceMessages(catalogue: WorkspaceCatalogue): void {
  catalogues.push(catalogue);
}

/** Translates a message key from the workspace's catalogues or the shared one. */
export function msg(locale: Locale, key: string, params?: Record<string, string | number>): string {
  const other = catalogues.find((c) => c.has(key));
  if (other !== undefined) return other.text(locale, key, params);
  if (isCaseAccessMessageKey(key)) return m(locale, key, params);
  if (key in catalogueFor(locale)) return t(locale, key as MessageKey, params);
  return t(locale, 'field.invalid');
}

export const day = (d: Date) => d.toISOString().slice(0, 10);
export const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function ageDays(from: string, today: string): number {
  return Math.max(
    0,
    Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000),
  );
}

export interface WorkspaceNavProps {
  locale: Locale;
  canAssign: boolean;
  canReview: boolean;
  canBreakGlass: boolean;
  reviewCount: number;
}

export function WorkspaceNav(props: WorkspaceNavProps) {
  const l = props.locale;
  const link = (href: string, key: CaseAccessMessageKey) => (
    <li>
      <a href={`${href}?lang=${l}`}>{m(l, key)}</a>
    </li>
  );
  return (
    <nav aria-label={m(l, 'cases.nav.label')} class="workspace">
      <ul class="inline-list">
        {link('/staff/cases', 'cases.nav.queue')}
        {link('/staff/cases/due', 'cases.nav.due')}
        {link('/staff/cases/search', 'cases.nav.search')}
        {props.canBreakGlass ? link('/staff/cases/break-glass', 'cases.nav.break_glass') : null}
        {link('/staff/cases/approvals', 'cases.nav.approvals')}
        {props.canAssign ? link('/staff/cases/workload', 'cases.nav.workload') : null}
        {props.canAssign ? link('/staff/cases/teams', 'cases.nav.teams') : null}
        {props.canReview ? link('/staff/cases/review', 'cases.nav.review') : null}
        {props.canReview ? link('/staff/cases/anomalies', 'cases.nav.anomalies') : null}
        {props.canReview ? link('/staff/cases/settings', 'cases.nav.settings') : null}
      </ul>
      {props.reviewCount > 0 ? (
        <p class="notice">
          <a href={`/staff/cases/review?lang=${l}`}>
            {m(l, 'cases.review_pending', { count: props.reviewCount })}
          </a>
        </p>
      ) : null}
    </nav>
  );
}

export interface PageFrame {
  locale: Locale;
  /** The staff navigation (the kit's registry: every module's entries this member may see). */
  nav: StaffNavModel | undefined;
  workspace: WorkspaceNavProps;
  flash?: string | undefined;
  error?: string | undefined;
}

export function Page(props: PageFrame & { title: string; path: string; children: ComponentChildren }) {
  return (
    <StaffPage
      frame={{ locale: props.locale, nav: props.nav, flash: props.flash, error: props.error }}
      title={props.title}
      path={props.path}
      subnav={<WorkspaceNav {...props.workspace} />}
    >
      {props.children}
    </StaffPage>
  );
}

/**
 * The workspace's form fields, built on the kit's `Field`, `SelectField` and `TextAreaField`
 * (label, control, aria and error come from there). The error's id is the kit's
 * `<idPrefix><name>-error`; the prefix is what precedes the name in the id (`bg-ref` → `bg-`,
 * so `bg-ref-error`), or `idPrefix` when the id does not end with the name (`task-due` for `dueOn`).
 */
function kitFieldProps(props: WorkspaceFieldProps) {
  const prefix =
    props.idPrefix ??
    (props.id.endsWith(props.name) ? props.id.slice(0, props.id.length - props.name.length) : '');
  return {
    locale: props.locale,
    id: props.id,
    ...(prefix === '' ? {} : { idPrefix: prefix }),
    name: props.name,
    label: props.label,
    ...(props.errors === undefined ? {} : { errors: props.errors }),
    ...(props.required === undefined ? {} : { required: props.required }),
    translate: msg,
  };
}

interface WorkspaceFieldProps {
  id: string;
  name: string;
  label: string;
  errors?: FieldErrors;
  idPrefix?: string;
  locale: Locale;
  required?: boolean;
}

export function Select(props: WorkspaceFieldProps & { value: string; options: Array<[string, string]> }) {
  return <SelectField {...kitFieldProps(props)} options={props.options} value={props.value} />;
}

export function Field(
  props: WorkspaceFieldProps & { value?: string; type?: 'text' | 'date'; multiline?: boolean; rows?: number },
) {
  if (props.multiline === true) {
    return <TextAreaField {...kitFieldProps(props)} value={props.value} rows={props.rows ?? 4} />;
  }
  const { required, ...field } = kitFieldProps(props);
  return (
    <KitField {...field}>
      {(a) => (
        <input
          {...a}
          type={(props.type ?? 'text') as 'text'}
          value={props.value ?? ''}
          required={required === true}
        />
      )}
    </KitField>
  );
}

// ---------------------------------------------------------------------------------------------
// Queue
