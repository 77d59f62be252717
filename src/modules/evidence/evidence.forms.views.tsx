import type { ComponentChildren } from 'preact';
import { type Locale, messageFor } from '../../platform/i18n/index.ts';
import {
  DataTable,
  Field,
  FieldError,
  type FieldErrors,
  fieldAria,
  PostForm,
  Section,
  SelectField,
  type StaffFrame,
  StaffPage,
  TextAreaField,
} from '../../platform/ui/index.ts';
import { DESTINATIONS } from './consent.service.ts';
import { evidenceMessages as m } from './evidence.messages.ts';
import type { ItemSummary } from './evidence.service.ts';
import type { Region } from './image-redaction.ts';
import { type Size, ZOOMS } from './regions-picker.ts';
import type { RedactionView } from './redaction.service.ts';
import { KNOWLEDGE, type TestimonyFields, type TestimonyVersion } from './testimony.service.ts';

/**
 * The evidence forms (issue 16 item 8): the testimony template and its versions with the
 * witness's confirmation, an item's consent, custody and redaction forms, choosing regions on a
 * photo, and a redaction's review by a second person. Server-rendered, plain POST forms: they
 * work without JavaScript. Field errors carry message keys of this module or the central ones.
 */
const translate = (l: Locale, key: string) => messageFor(l, key);
const q = (l: Locale) => `?lang=${l}`;

/** A group of checkboxes (one name, several values) in a fieldset with its legend. */
function Checks(props: {
  locale: Locale;
  name: string;
  legend: string;
  options: ReadonlyArray<[string, ComponentChildren]>;
  checked: readonly string[];
  errors?: FieldErrors;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map(([value, label], i) => (
        <div>
          <input
            type="checkbox"
            id={`${props.name}-${i}`}
            name={props.name}
            value={value}
            checked={props.checked.includes(value)}
            {...fieldAria(props.errors, props.name)}
          />{' '}
          <label for={`${props.name}-${i}`}>{label}</label>
        </div>
      ))}
      <FieldError locale={props.locale} errors={props.errors} name={props.name} translate={translate} />
    </fieldset>
  );
}

export type TestimonyFormValues = Partial<Omit<TestimonyFields, 'knowledge' | 'sources'>> & {
  knowledge?: string[] | undefined;
  sources?: string[] | undefined;
};

const TEXT_FIELDS = [
  ['witnessName', 1],
  ['witnessRole', 2],
  ['unit', 2],
  ['datesAndPlaces', 3],
  ['events', 8],
  ['personsInvolved', 3],
] as const;

/** The testimony template (Berkeley Protocol headings), for a new testimony or a new version. */
function TestimonyForm(props: {
  locale: Locale;
  action: string;
  csrf: string;
  values: TestimonyFormValues;
  errors?: FieldErrors;
  sources: ItemSummary[];
  submit: string;
}) {
  const l = props.locale;
  const v = props.values;
  return (
    <PostForm action={`${props.action}${q(l)}`} csrf={props.csrf}>
      <SelectField
        locale={l}
        translate={translate}
        name="language"
        label={m(l, 'evidence.testimony.language')}
        options={[
          ['ru', 'Русский'],
          ['uk', 'Українська'],
          ['en', 'English'],
        ]}
        value={v.language ?? l}
        errors={props.errors}
      />
      {TEXT_FIELDS.map(([name, rows]) => (
        <TextAreaField
          locale={l}
          translate={translate}
          name={name}
          label={m(l, `testimony.${name}`)}
          value={v[name]}
          errors={props.errors}
          rows={rows}
          required={name === 'events'}
        />
      ))}
      <Checks
        locale={l}
        name="knowledge"
        legend={m(l, 'testimony.knowledge')}
        options={KNOWLEDGE.map((k) => [k, m(l, `testimony.knowledge.${k}`)])}
        checked={v.knowledge ?? []}
        errors={props.errors}
      />
      <TextAreaField
        locale={l}
        translate={translate}
        name="knowledgeDetail"
        label={m(l, 'testimony.knowledgeDetail')}
        value={v.knowledgeDetail}
        errors={props.errors}
      />
      <TextAreaField
        locale={l}
        translate={translate}
        name="interviewerNotes"
        label={m(l, 'testimony.interviewerNotes')}
        value={v.interviewerNotes}
        errors={props.errors}
      />
      {props.sources.length === 0 ? null : (
        <Checks
          locale={l}
          name="sources"
          legend={m(l, 'evidence.testimony.sources')}
          options={props.sources.map((s) => [s.id, `${s.name} (${m(l, `evidence.channel.${s.channel}`)})`])}
          checked={v.sources ?? []}
          errors={props.errors}
        />
      )}
      <button type="submit">{props.submit}</button>
    </PostForm>
  );
}

/** A new testimony: the template, with the applicant's kept messages beside it for reference. */
export function TestimonyNewPage(props: {
  frame: StaffFrame;
  csrf: string;
  caseRef: string;
  values: TestimonyFormValues;
  errors?: FieldErrors;
  sources: ItemSummary[];
  messages: Array<{ createdOn: string; body: string }>;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'evidence.testimony.title_new', { ref: props.caseRef })}
      path={`/staff/evidence/cases/${props.caseRef}/testimony/new`}
    >
      <p>{m(l, 'evidence.testimony.intro')}</p>
      {props.messages.length === 0 ? null : (
        <Section headingId="said-h" title={m(l, 'evidence.testimony.messages_ref')}>
          {props.messages.map((msg) => (
            <blockquote>
              <time>{msg.createdOn}</time> {msg.body}
            </blockquote>
          ))}
        </Section>
      )}
      <TestimonyForm
        locale={l}
        action={`/staff/evidence/cases/${props.caseRef}/testimony`}
        csrf={props.csrf}
        values={props.values}
        {...(props.errors === undefined ? {} : { errors: props.errors })}
        sources={props.sources}
        submit={m(l, 'evidence.testimony.save')}
      />
    </StaffPage>
  );
}

/** One version as it is read back to the witness: the headings and what was said. */
function ReadBack(props: { locale: Locale; fields: TestimonyFields }) {
  const l = props.locale;
  const f = props.fields;
  const rows: Array<[string, string]> = [
    ...TEXT_FIELDS.map(([name]) => [m(l, `testimony.${name}`), f[name]] as [string, string]),
    [m(l, 'testimony.knowledge'), f.knowledge.map((k) => m(l, `testimony.knowledge.${k}`)).join(', ')],
    [m(l, 'testimony.knowledgeDetail'), f.knowledgeDetail],
    [m(l, 'testimony.interviewerNotes'), f.interviewerNotes],
  ];
  return (
    <dl lang={f.language}>
      {rows.map(([label, value]) => [<dt>{label}</dt>, <dd>{value === '' ? '—' : value}</dd>])}
    </dl>
  );
}

/** A testimony: its newest version read back, the versions, the confirmation form, and the edit form. */
export function TestimonyPage(props: {
  frame: StaffFrame;
  csrf: string;
  id: string;
  caseRef: string;
  versions: TestimonyVersion[];
  shown: number;
  values?: TestimonyFormValues;
  errors?: FieldErrors;
  sources: ItemSummary[];
}) {
  const l = props.frame.locale;
  const short = props.id.slice(0, 8);
  const shown = props.versions.find((v) => v.version === props.shown) ?? props.versions.at(-1)!;
  const newest = props.versions.at(-1)!;
  const base = `/staff/evidence/testimony/${props.id}`;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'evidence.testimony.title', { id: short, version: shown.version })}
      path={base}
    >
      <p>
        <a href={`/staff/evidence/cases/${props.caseRef}${q(l)}`}>
          {m(l, 'evidence.case.title', { ref: props.caseRef })}
        </a>
      </p>
      <Section headingId="readback-h" title={m(l, 'evidence.testimony.readback')}>
        <ReadBack locale={l} fields={shown.fields} />
        {shown.confirmed === null ? (
          <PostForm action={`${base}/confirm${q(l)}`} csrf={props.csrf}>
            <h3>{m(l, 'evidence.testimony.confirm', { version: shown.version })}</h3>
            <input type="hidden" name="version" value={String(shown.version)} />
            <TextAreaField
              locale={l}
              translate={translate}
              name="how"
              label={m(l, 'evidence.testimony.confirm_how')}
              errors={props.errors}
              required
            />
            <button type="submit">{m(l, 'evidence.testimony.confirm_submit')}</button>
          </PostForm>
        ) : (
          <p>
            {m(l, 'evidence.testimony.confirmed', {
              how: shown.confirmed.how,
              at: shown.confirmed.at.slice(0, 16).replace('T', ' '),
            })}{' '}
            {shown.confirmed.itemId === null ? null : (
              <a href={`/staff/evidence/items/${shown.confirmed.itemId}${q(l)}`}>
                {m(l, 'evidence.testimony.item')}
              </a>
            )}
          </p>
        )}
      </Section>
      <Section headingId="versions-h" title={m(l, 'evidence.testimony.versions')}>
        <DataTable<TestimonyVersion>
          rows={props.versions}
          rowKey={(v) => String(v.version)}
          empty=""
          columns={[
            {
              key: 'version',
              header: m(l, 'evidence.col.version'),
              cell: (v) => <a href={`${base}${q(l)}&version=${v.version}`}>{v.version}</a>,
              rowHeader: true,
            },
            {
              key: 'when',
              header: m(l, 'evidence.col.when'),
              cell: (v) => v.createdAt.slice(0, 16).replace('T', ' '),
            },
            { key: 'by', header: m(l, 'evidence.col.by'), cell: (v) => v.createdBy.slice(0, 8) },
            {
              key: 'state',
              header: m(l, 'evidence.col.status'),
              cell: (v) =>
                v.confirmed === null
                  ? m(l, 'evidence.testimony.unconfirmed')
                  : m(l, 'evidence.testimony.confirmed', {
                      how: v.confirmed.how,
                      at: v.confirmed.at.slice(0, 10),
                    }),
            },
          ]}
        />
      </Section>
      <Section headingId="edit-h" title={m(l, 'evidence.testimony.edit', { version: newest.version + 1 })}>
        <TestimonyForm
          locale={l}
          action={`${base}/versions`}
          csrf={props.csrf}
          values={props.values ?? newest.fields}
          {...(props.errors === undefined ? {} : { errors: props.errors })}
          sources={props.sources}
          submit={m(l, 'evidence.testimony.save')}
        />
      </Section>
    </StaffPage>
  );
}

export interface RedactionSummary {
  id: string;
  kind: 'pseudonym' | 'image';
  preparedBy: string;
  preparedAt: string;
  confirmedBy: string | null;
}

/** The forms of one item: consent, an act outside Sanctuary, and its redaction. */
export function ItemForms(props: {
  locale: Locale;
  csrf: string;
  item: ItemSummary;
  redactions: RedactionSummary[];
  values?: Record<string, string>;
  errors?: FieldErrors;
}) {
  const l = props.locale;
  const base = `/staff/evidence/items/${props.item.id}`;
  const v = props.values ?? {};
  const isPhoto = props.item.mediaType === 'image/jpeg' || props.item.mediaType === 'image/png';
  return (
    <>
      <Section headingId="consent-h" title={m(l, 'evidence.consent.form')}>
        <PostForm action={`${base}/consent${q(l)}`} csrf={props.csrf}>
          <SelectField
            locale={l}
            translate={translate}
            name="destination"
            label={m(l, 'evidence.col.destination')}
            options={DESTINATIONS.map((d) => [d, m(l, `evidence.destination.${d}`)])}
            value={v.destination}
            errors={props.errors}
          />
          <SelectField
            locale={l}
            translate={translate}
            name="status"
            label={m(l, 'evidence.consent.status')}
            options={(['given', 'refused', 'not_asked'] as const).map((s) => [
              s,
              m(l, `evidence.consent.${s}`),
            ])}
            value={v.status}
            errors={props.errors}
          />
          <SelectField
            locale={l}
            translate={translate}
            name="how"
            label={m(l, 'evidence.consent.how')}
            options={[
              ['', m(l, 'evidence.how.none')],
              ...(['written', 'oral_recorded', 'oral_witnessed', 'electronic'] as const).map(
                (h) => [h, m(l, `evidence.how.${h}`)] as [string, string],
              ),
            ]}
            value={v.how}
            errors={props.errors}
          />
          <SelectField
            locale={l}
            translate={translate}
            name="identity"
            label={m(l, 'evidence.consent.identity')}
            options={(['named', 'pseudonym'] as const).map((i) => [i, m(l, `evidence.identity.${i}`)])}
            value={v.identity}
            errors={props.errors}
          />
          <TextAreaField
            locale={l}
            translate={translate}
            name="notes"
            label={m(l, 'evidence.consent.notes')}
            value={v.notes}
            errors={props.errors}
          />
          <button type="submit">{m(l, 'evidence.consent.submit')}</button>
        </PostForm>
      </Section>
      <Section headingId="redaction-h" title={m(l, 'evidence.redaction.title')}>
        {props.redactions.length === 0 ? (
          <p>{m(l, 'evidence.redaction.none')}</p>
        ) : (
          <ul>
            {props.redactions.map((r) => (
              <li>
                {r.preparedAt.slice(0, 16).replace('T', ' ')} · {m(l, `evidence.redaction.kind.${r.kind}`)} ·{' '}
                {r.confirmedBy === null
                  ? m(l, 'evidence.redaction.waiting')
                  : m(l, 'evidence.redaction.confirmed')}{' '}
                ·{' '}
                <a href={`/staff/evidence/redactions/${r.id}${q(l)}`}>{m(l, 'evidence.redaction.review')}</a>
              </li>
            ))}
          </ul>
        )}
        {props.item.channel === 'testimony' ? (
          <PostForm action={`${base}/redactions${q(l)}`} csrf={props.csrf}>
            <Field
              locale={l}
              name="pseudonym"
              label={m(l, 'evidence.redaction.pseudonym')}
              errors={props.errors}
              translate={translate}
            >
              {(a) => <input {...a} value={v.pseudonym ?? ''} maxLength={100} required />}
            </Field>
            <button type="submit">{m(l, 'evidence.redaction.prepare')}</button>
          </PostForm>
        ) : isPhoto ? (
          <>
            <p>
              <a href={`${base}/regions${q(l)}`}>{m(l, 'evidence.redaction.choose')}</a>
            </p>
            <RegionsForm
              locale={l}
              csrf={props.csrf}
              itemId={props.item.id}
              values={v}
              errors={props.errors}
            />
          </>
        ) : (
          <p>{m(l, 'evidence.redaction.cannot')}</p>
        )}
      </Section>
      <Section headingId="event-h" title={m(l, 'evidence.event.form')}>
        <PostForm action={`${base}/custody${q(l)}`} csrf={props.csrf}>
          <SelectField
            locale={l}
            translate={translate}
            name="action"
            label={m(l, 'evidence.event.action')}
            options={(['copied', 'transferred', 'returned'] as const).map((a) => [
              a,
              m(l, `evidence.action.${a}`),
            ])}
            value={v.action}
            errors={props.errors}
          />
          <TextAreaField
            locale={l}
            translate={translate}
            name="reason"
            label={m(l, 'evidence.event.reason')}
            errors={props.errors}
            required
          />
          <button type="submit">{m(l, 'evidence.event.submit')}</button>
        </PostForm>
      </Section>
    </>
  );
}

/** The regions of a photo redaction, typed one a line, and how to hide them. */
function RegionsForm(props: {
  locale: Locale;
  csrf: string;
  itemId: string;
  values: Record<string, string>;
  errors?: FieldErrors;
}) {
  const l = props.locale;
  return (
    <PostForm action={`/staff/evidence/items/${props.itemId}/redactions${q(l)}`} csrf={props.csrf}>
      <TextAreaField
        locale={l}
        translate={translate}
        name="regions"
        label={m(l, 'evidence.redaction.regions')}
        value={props.values.regions}
        errors={props.errors}
        rows={4}
        required
      />
      <SelectField
        locale={l}
        translate={translate}
        name="mode"
        label={m(l, 'evidence.redaction.mode')}
        options={[
          ['blur', m(l, 'evidence.redaction.mode.blur')],
          ['remove', m(l, 'evidence.redaction.mode.remove')],
        ]}
        value={props.values.mode}
        errors={props.errors}
      />
      <button type="submit">{m(l, 'evidence.redaction.prepare')}</button>
    </PostForm>
  );
}

/**
 * Choosing regions on the photo without JavaScript: the picture is an image button of a GET
 * form, so a click sends its coordinates. The first click is kept as a corner; the second
 * closes the rectangle and adds it to the regions, which go on to the form below.
 */
export function ChooseRegionsPage(props: {
  frame: StaffFrame;
  csrf: string;
  itemId: string;
  size: Size;
  /** The size the picture is drawn at (ADR 0200): clicks come back in these pixels. */
  shown: Size;
  regions: string;
  corner: { x: number; y: number } | undefined;
  mode: string;
}) {
  const l = props.frame.locale;
  const base = `/staff/evidence/items/${props.itemId}`;
  const keep = new URLSearchParams({ lang: l, regions: props.regions, mode: props.mode });
  if (props.corner !== undefined) keep.set('corner', `${props.corner.x},${props.corner.y}`);
  const zoomTo = (width: number) => `${base}/regions?${keep.toString()}&dw=${width}`;
  return (
    <StaffPage frame={props.frame} title={m(l, 'evidence.choose.title')} path={`${base}/regions`}>
      <p>{m(l, 'evidence.choose.intro')}</p>
      <p>{m(l, 'evidence.choose.size', props.size)}</p>
      <p>
        {m(l, 'evidence.choose.shown', props.shown)}{' '}
        {ZOOMS.map((p) => {
          const width = Math.max(1, Math.round((props.size.width * p) / 100));
          return width === props.shown.width ? (
            <strong>{p} % </strong>
          ) : (
            <>
              <a href={zoomTo(width)}>{p} %</a>{' '}
            </>
          );
        })}
      </p>
      {props.corner === undefined ? null : (
        <p role="status">{m(l, 'evidence.choose.corner', props.corner)}</p>
      )}
      <form method="get" action={`${base}/regions`}>
        <input type="hidden" name="lang" value={l} />
        <input type="hidden" name="regions" value={props.regions} />
        <input type="hidden" name="mode" value={props.mode} />
        <input type="hidden" name="dw" value={String(props.shown.width)} />
        {props.corner === undefined ? null : (
          <input type="hidden" name="corner" value={`${props.corner.x},${props.corner.y}`} />
        )}
        <input
          type="image"
          name="at"
          src={`${base}/preview${q(l)}`}
          alt={m(l, 'evidence.choose.image_alt')}
          width={props.shown.width}
          height={props.shown.height}
          style={`width:${props.shown.width}px;height:${props.shown.height}px;max-width:none;max-height:none`}
        />
      </form>
      <RegionsForm
        locale={l}
        csrf={props.csrf}
        itemId={props.itemId}
        values={{ regions: props.regions, mode: props.mode }}
      />
    </StaffPage>
  );
}

/** The review of a redaction by a second person: what to check, and the confirm button. */
export function RedactionReviewPage(props: {
  frame: StaffFrame;
  csrf: string;
  redaction: RedactionView;
  own: boolean;
}) {
  const l = props.frame.locale;
  const r = props.redaction;
  const base = `/staff/evidence/redactions/${r.id}`;
  return (
    <StaffPage frame={props.frame} title={m(l, 'evidence.review.title')} path={base}>
      <p>
        <a href={`/staff/evidence/items/${r.itemId}${q(l)}`}>{m(l, 'evidence.custody.title')}</a>
      </p>
      <p>{m(l, 'evidence.review.intro')}</p>
      <p>
        <code>{r.sha256}</code>
      </p>
      {r.kind === 'image' ? (
        <>
          <img src={`${base}/image${q(l)}`} alt={m(l, 'evidence.review.image_alt')} />
          <h2>{m(l, 'evidence.review.regions')}</h2>
          <ul>
            {(r.regions ?? []).map((g: Region) => (
              <li>
                {g.x} {g.y} {g.width} {g.height} · {m(l, `evidence.redaction.mode.${g.mode}`)}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <pre>{r.text}</pre>
      )}
      {r.confirmedAt !== null ? (
        <p role="status">
          {m(l, 'evidence.review.done', { at: r.confirmedAt.slice(0, 16).replace('T', ' ') })}
        </p>
      ) : props.own ? (
        <p role="status">{m(l, 'evidence.review.own')}</p>
      ) : (
        <PostForm action={`${base}/confirm${q(l)}`} csrf={props.csrf}>
          <button type="submit">{m(l, 'evidence.review.confirm')}</button>
        </PostForm>
      )}
    </StaffPage>
  );
}
