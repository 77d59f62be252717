import type { ComponentChildren } from 'preact';
import { CsrfField } from '../html.tsx';
import { Field } from './fields.tsx';

/**
 * The pieces every staff form page repeated (the case page, the evidence forms, the
 * high-assurance page): a titled section, a POST form with its CSRF field first, and the
 * kit's `Field` with a select or a text area. The markup is the same as the pages wrote by
 * hand, so a fix to it (accessibility, the CSRF field's place) lands here once.
 */

/**
 * A part of a page named by its heading: `<section aria-labelledby>` with its `<h2>`. `id`
 * is the section's own (a link target such as `#tasks`), `headingId` the heading's.
 */
export function Section(props: {
  headingId: string;
  title: ComponentChildren;
  id?: string;
  class?: string;
  /** Attributes of the heading, e.g. a visually hidden one. */
  headingClass?: string;
  children?: ComponentChildren;
}) {
  return (
    <section aria-labelledby={props.headingId} id={props.id} class={props.class}>
      <h2 id={props.headingId} class={props.headingClass}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/**
 * A whole-form POST with its CSRF field first (the server checks it before reading anything
 * else, a multipart file included). `action` is the whole URL, its query included.
 */
export function PostForm(props: {
  action: string;
  csrf: string;
  /** The form's classes: `stack` (one field under another) unless told. */
  class?: string;
  id?: string;
  enctype?: 'multipart/form-data';
  children?: ComponentChildren;
}) {
  return (
    <form
      method="post"
      action={props.action}
      class={props.class ?? 'stack'}
      id={props.id}
      enctype={props.enctype}
    >
      <CsrfField token={props.csrf} />
      {props.children}
    </form>
  );
}

/** What a select or text-area field shares with the kit's `Field` (all but the control). */
type ControlFieldProps = Omit<Parameters<typeof Field>[0], 'children'> & { required?: boolean };

/** The `Field` props of a control field (only those given, for exact optional types). */
function fieldProps(p: ControlFieldProps) {
  return {
    locale: p.locale,
    name: p.name,
    label: p.label,
    ...(p.id === undefined ? {} : { id: p.id }),
    ...(p.hint === undefined ? {} : { hint: p.hint }),
    ...(p.errors === undefined ? {} : { errors: p.errors }),
    ...(p.idPrefix === undefined ? {} : { idPrefix: p.idPrefix }),
    ...(p.translate === undefined ? {} : { translate: p.translate }),
  };
}

/** A `Field` with a select over fixed options (value, text); `value` is the one selected. */
export function SelectField(
  props: ControlFieldProps & {
    options: ReadonlyArray<readonly [string, ComponentChildren]>;
    value?: string | undefined;
  },
) {
  return (
    <Field {...fieldProps(props)}>
      {(a) => (
        <select {...a} required={props.required === true}>
          {props.options.map(([value, text]) => (
            <option value={value} selected={value === props.value} key={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A `Field` with a text area. */
export function TextAreaField(
  props: ControlFieldProps & { value?: string | undefined; rows?: number; maxLength?: number },
) {
  return (
    <Field {...fieldProps(props)}>
      {(a) => (
        <textarea
          {...a}
          rows={props.rows ?? 3}
          maxLength={props.maxLength}
          required={props.required === true}
        >
          {props.value ?? ''}
        </textarea>
      )}
    </Field>
  );
}
