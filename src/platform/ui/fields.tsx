import type { ComponentChildren, VNode } from 'preact';
import { type Locale, type MessageKey, t } from '../i18n/index.ts';

/** Field errors of a form: field name → message key (AppError `fields`). */
export type FieldErrors = Readonly<Record<string, string>> | undefined;

/** How a page turns a field's message key into text (its module's catalogue, or the central one). */
export type TranslateKey = (locale: Locale, key: string) => string;

const central: TranslateKey = (locale, key) => t(locale, key as MessageKey);

/** The id of a field's error message: `<prefix><name>-error`. */
export function fieldErrorId(name: string, idPrefix = ''): string {
  return `${idPrefix}${name}-error`;
}

/**
 * The attributes that tie an input to its error: `aria-invalid` and `aria-describedby`
 * (with the hint's id too, when there is one), only when the field has an error.
 */
export function fieldAria(
  errors: FieldErrors,
  name: string,
  options: { idPrefix?: string; hintId?: string | undefined } = {},
): { 'aria-invalid'?: 'true'; 'aria-describedby'?: string } {
  const hasError = errors?.[name] !== undefined;
  const ids = [options.hintId, hasError ? fieldErrorId(name, options.idPrefix) : undefined].filter(
    (id): id is string => id !== undefined,
  );
  return {
    ...(hasError ? { 'aria-invalid': 'true' as const } : {}),
    ...(ids.length === 0 ? {} : { 'aria-describedby': ids.join(' ') }),
  };
}

/** A field's error message, if it has one (`<span class="error" id="<name>-error">`). */
export function FieldError(props: {
  locale: Locale;
  errors: FieldErrors;
  name: string;
  idPrefix?: string;
  translate?: TranslateKey;
}) {
  const key = props.errors?.[props.name];
  if (key === undefined) return null;
  return (
    <span class="error" id={fieldErrorId(props.name, props.idPrefix)}>
      {(props.translate ?? central)(props.locale, key)}
    </span>
  );
}

/** What `Field` passes to its control: the id and the aria attributes. */
export interface FieldControlProps {
  id: string;
  name: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/**
 * A form field: label, optional hint, the control, and its error. The control is built by
 * `children` from the attributes it must carry, so one Field serves inputs, selects and
 * text areas alike:
 *
 *   <Field locale={l} id="new-email" name="email" label={…} errors={errors}>
 *     {(a) => <input {...a} type="email" required />}
 *   </Field>
 */
export function Field(props: {
  locale: Locale;
  /** The control's id (defaults to its name). */
  id?: string;
  name: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  errors?: FieldErrors;
  idPrefix?: string;
  translate?: TranslateKey;
  children: (control: FieldControlProps) => VNode;
}) {
  const id = props.id ?? props.name;
  const hintId = props.hint === undefined ? undefined : `${id}-hint`;
  const aria = fieldAria(props.errors, props.name, {
    ...(props.idPrefix === undefined ? {} : { idPrefix: props.idPrefix }),
    hintId,
  });
  return (
    <div>
      <label for={id}>{props.label}</label>
      {props.hint === undefined ? null : (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      )}
      {props.children({ id, name: props.name, ...aria })}
      <FieldError
        locale={props.locale}
        errors={props.errors}
        name={props.name}
        {...(props.idPrefix === undefined ? {} : { idPrefix: props.idPrefix })}
        {...(props.translate === undefined ? {} : { translate: props.translate })}
      />
    </div>
  );
}
