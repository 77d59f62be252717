import type { VNode } from 'preact';
import { CsrfField } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { Field, type FieldControlProps, FieldError, type FieldErrors } from '../../platform/ui/index.ts';
import { msg, Page, type PageFrame } from '../case-access/index.ts';
import type { PathwaysResult } from '../pathways/index.ts';
import {
  applicantTypes,
  countryChoices,
  documentKinds,
  frontLocation,
  PathwaysResultView,
} from '../pathways/index.ts';
import type { PrefillNote } from './case-pathways.mapping.ts';
import {
  type CasePathwaysMessageKey,
  isCasePathwaysMessageKey,
  casePathwaysMessages as p,
} from './case-pathways.messages.ts';
import { type CheckFormValues, PATHWAY_FLAGS } from './case-pathways.schemas.ts';

/**
 * Pages of the pathway check on a case. No script: the form posts, the result page carries the
 * profile in hidden fields for "save", and every value is escaped by the renderer.
 */

function text(locale: Locale, key: string, params?: Record<string, string | number>): string {
  return isCasePathwaysMessageKey(key) ? p(locale, key, params) : msg(locale, key, params);
}

/** A field of the profile form: the kit's `Field`, ids prefixed `pw-`, errors in this module's words. */
function PwField(props: {
  locale: Locale;
  name: string;
  id?: string;
  label: string;
  errors: FieldErrors;
  children: (control: FieldControlProps) => VNode;
}) {
  return (
    <Field
      locale={props.locale}
      id={props.id ?? `pw-${props.name}`}
      idPrefix="pw-"
      name={props.name}
      label={props.label}
      errors={props.errors}
      translate={text}
    >
      {props.children}
    </Field>
  );
}

function CountrySelect(props: {
  locale: Locale;
  name: 'citizenship' | 'location';
  label: CasePathwaysMessageKey;
  value: string;
  errors: Record<string, string> | undefined;
  /** Offer "at the front or in occupied Ukraine" first (location only; ADR 0097). */
  front?: boolean;
}) {
  const l = props.locale;
  return (
    <PwField locale={l} name={props.name} label={p(l, props.label)} errors={props.errors}>
      {(a) => (
        <select {...a} required>
          <option value="" selected={props.value === ''}>
            {p(l, 'case_pathways.choose')}
          </option>
          {props.front === true ? (
            <option value={frontLocation} selected={props.value === frontLocation}>
              {p(l, 'case_pathways.location.front')}
            </option>
          ) : null}
          {countryChoices(l).map(([code, name]) => (
            <option key={code} value={code} selected={code === props.value}>
              {name}
            </option>
          ))}
        </select>
      )}
    </PwField>
  );
}

/** The profile form, filled with `values`; posts to run the check. */
export function CheckForm(props: {
  locale: Locale;
  caseRef: string;
  csrf: string;
  values: CheckFormValues;
  errors?: Record<string, string> | undefined;
}) {
  const l = props.locale;
  const v = props.values;
  const e = props.errors;
  return (
    <form method="post" action={`/staff/cases/${props.caseRef}/pathways?lang=${l}`} class="stack">
      <CsrfField token={props.csrf} />
      <CountrySelect
        locale={l}
        name="citizenship"
        label="case_pathways.citizenship"
        value={v.citizenship}
        errors={e}
      />
      <CountrySelect
        locale={l}
        name="location"
        label="case_pathways.location"
        value={v.location}
        errors={e}
        front
      />
      <PwField locale={l} name="applicantType" label={p(l, 'case_pathways.applicant_type')} errors={e}>
        {(a) => (
          <select {...a} required>
            <option value="" selected={v.applicantType === ''}>
              {p(l, 'case_pathways.choose')}
            </option>
            {applicantTypes.map((type) => (
              <option key={type} value={type} selected={type === v.applicantType}>
                {p(l, `case_pathways.type.${type}`)}
              </option>
            ))}
          </select>
        )}
      </PwField>
      <fieldset>
        <legend>{p(l, 'case_pathways.documents')}</legend>
        {documentKinds.map((d) => (
          <label key={d}>
            <input type="checkbox" name="documents" value={d} checked={v.documents.includes(d)} />{' '}
            {p(l, `case_pathways.doc.${d}`)}
          </label>
        ))}
        <FieldError locale={l} errors={e} name="documents" idPrefix="pw-" translate={text} />
        <PwField
          locale={l}
          id="pw-passport"
          name="foreignPassportValidUntil"
          label={p(l, 'case_pathways.passport_until')}
          errors={e}
        >
          {(a) => <input {...a} type="date" value={v.foreignPassportValidUntil} />}
        </PwField>
      </fieldset>
      <fieldset>
        <legend>{p(l, 'case_pathways.flags')}</legend>
        {PATHWAY_FLAGS.map((f) => (
          <label key={f}>
            <input type="checkbox" name={f} value="1" checked={v.flags[f]} />{' '}
            {p(l, `case_pathways.flag.${f}`)}
          </label>
        ))}
        {(
          [
            ['adults', 'case_pathways.adults', 2],
            ['children', 'case_pathways.children', 2],
            ['age', 'case_pathways.age', 5],
            ['daysInLocation', 'case_pathways.days_in_location', 5],
            ['lawfulStayDaysLeft', 'case_pathways.lawful_stay_left', 5],
          ] as const
        ).map(([name, label, maxLength]) => (
          <PwField key={name} locale={l} name={name} label={p(l, label)} errors={e}>
            {(a) => <input {...a} type="text" inputMode="numeric" maxLength={maxLength} value={v[name]} />}
          </PwField>
        ))}
      </fieldset>
      <button type="submit">{p(l, 'case_pathways.run')}</button>
    </form>
  );
}

export function CasePathwaysFormPageView(
  props: PageFrame & {
    caseRef: string;
    csrf: string;
    values: CheckFormValues;
    notes: PrefillNote[];
    errors?: Record<string, string> | undefined;
  },
) {
  const l = props.locale;
  const base = `/staff/cases/${props.caseRef}`;
  return (
    <Page {...props} title={p(l, 'case_pathways.title', { ref: props.caseRef })} path={`${base}/pathways`}>
      <p>
        <a href={`${base}?lang=${l}`}>{p(l, 'case_pathways.back')}</a>
      </p>
      <p>{p(l, 'case_pathways.intro')}</p>
      {props.notes.length === 0 ? null : (
        <section aria-labelledby="pw-notes-h">
          <h2 id="pw-notes-h">{p(l, 'case_pathways.prefill_heading')}</h2>
          <ul id="pw-notes">
            {props.notes.map((n) => (
              <li key={n.key}>{p(l, n.key, n.params)}</li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="pw-form-h">
        <h2 id="pw-form-h">{p(l, 'case_pathways.form_heading')}</h2>
        <CheckForm
          locale={l}
          caseRef={props.caseRef}
          csrf={props.csrf}
          values={props.values}
          errors={props.errors}
        />
      </section>
    </Page>
  );
}

/** The profile again, as hidden fields, so that "save" sends exactly what was evaluated. */
function HiddenProfile(props: { values: CheckFormValues; contentVersion: string }) {
  const v = props.values;
  return (
    <>
      <input type="hidden" name="citizenship" value={v.citizenship} />
      <input type="hidden" name="location" value={v.location} />
      <input type="hidden" name="applicantType" value={v.applicantType} />
      {v.documents.map((d) => (
        <input key={d} type="hidden" name="documents" value={d} />
      ))}
      <input type="hidden" name="foreignPassportValidUntil" value={v.foreignPassportValidUntil} />
      {PATHWAY_FLAGS.filter((f) => v.flags[f]).map((f) => (
        <input key={f} type="hidden" name={f} value="1" />
      ))}
      <input type="hidden" name="adults" value={v.adults} />
      <input type="hidden" name="children" value={v.children} />
      <input type="hidden" name="age" value={v.age} />
      <input type="hidden" name="daysInLocation" value={v.daysInLocation} />
      <input type="hidden" name="lawfulStayDaysLeft" value={v.lawfulStayDaysLeft} />
      <input type="hidden" name="contentVersion" value={props.contentVersion} />
    </>
  );
}

export function CasePathwaysResultPageView(
  props: PageFrame & {
    caseRef: string;
    csrf: string;
    values: CheckFormValues;
    result: PathwaysResult;
    canSave: boolean;
  },
) {
  const l = props.locale;
  const base = `/staff/cases/${props.caseRef}`;
  return (
    <Page {...props} title={p(l, 'case_pathways.title', { ref: props.caseRef })} path={`${base}/pathways`}>
      <p>
        <a href={`${base}?lang=${l}`}>{p(l, 'case_pathways.back')}</a>
      </p>
      <section aria-labelledby="pw-save-h">
        <h2 id="pw-save-h">{p(l, 'case_pathways.save_heading')}</h2>
        {props.canSave ? (
          <form method="post" action={`${base}/pathways/save?lang=${l}`} class="stack">
            <CsrfField token={props.csrf} />
            <HiddenProfile values={props.values} contentVersion={props.result.contentVersion} />
            <p>{p(l, 'case_pathways.save_intro')}</p>
            <button type="submit">{p(l, 'case_pathways.save')}</button>
          </form>
        ) : (
          <p class="notice">{p(l, 'case_pathways.read_only')}</p>
        )}
      </section>
      <PathwaysResultView result={props.result} locale={l} variant="staff" />
      <section aria-labelledby="pw-adjust-h">
        <h2 id="pw-adjust-h">{p(l, 'case_pathways.adjust_heading')}</h2>
        <CheckForm locale={l} caseRef={props.caseRef} csrf={props.csrf} values={props.values} />
      </section>
    </Page>
  );
}
