import { type Locale, messageFor } from '../../platform/i18n/index.ts';
import {
  DataTable,
  Field,
  type FieldErrors,
  PostForm,
  Section,
  SelectField,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { evidenceMessages } from './evidence.messages.ts';
import { linkMessages as m } from './links.messages.ts';
import { LINK_KINDS, type LinkedItem, type LinkedList, type LinkView } from './links.service.ts';

/**
 * The units and commanders of an item (a section of the item's page) and the list across cases
 * (ADR 0199). Server-rendered, plain forms: they work without JavaScript. Names are shown only
 * to readers of the item they were written on.
 */
const q = (l: Locale) => `?lang=${l}`;
export const UNITS_PATH = '/staff/evidence/units';

/** The kind and name fields (the item's link form and the search form). */
function LinkFields(props: { locale: Locale; values?: Record<string, string>; errors?: FieldErrors }) {
  const l = props.locale;
  return (
    <>
      <SelectField
        locale={l}
        translate={messageFor}
        name="kind"
        label={m(l, 'evidence.links.kind')}
        options={LINK_KINDS.map((k) => [k, m(l, `evidence.links.kind.${k}`)])}
        value={props.values?.kind}
        errors={props.errors}
      />
      <Field
        locale={l}
        name="name"
        label={m(l, 'evidence.links.name')}
        errors={props.errors}
        translate={messageFor}
      >
        {(a) => <input {...a} type="text" maxLength={200} required value={props.values?.name ?? ''} />}
      </Field>
    </>
  );
}

/** The item page's section: its links (each to the list across cases, each removable) and the form. */
export function ItemLinksSection(props: {
  locale: Locale;
  csrf: string;
  itemId: string;
  links: readonly LinkView[];
  values?: Record<string, string>;
  errors?: FieldErrors;
}) {
  const l = props.locale;
  const base = `/staff/evidence/items/${props.itemId}/links`;
  return (
    <Section headingId="links-h" title={m(l, 'evidence.links.title')}>
      <p>{m(l, 'evidence.links.intro')}</p>
      <DataTable<LinkView>
        rows={props.links}
        rowKey={(k) => k.id}
        empty={m(l, 'evidence.links.none')}
        columns={[
          { key: 'name', header: m(l, 'evidence.links.name'), cell: (k) => k.name, rowHeader: true },
          {
            key: 'kind',
            header: m(l, 'evidence.links.kind'),
            cell: (k) => m(l, `evidence.links.kind.${k.kind}`),
          },
          {
            key: 'others',
            header: m(l, 'evidence.links.others'),
            cell: (k) => <a href={`${UNITS_PATH}?link=${k.id}&lang=${l}`}>{m(l, 'evidence.links.others')}</a>,
          },
          {
            key: 'remove',
            header: m(l, 'evidence.links.remove'),
            cell: (k) => (
              <PostForm action={`${base}${q(l)}`} csrf={props.csrf}>
                <input type="hidden" name="remove" value={k.id} />
                <button type="submit">{m(l, 'evidence.links.remove')}</button>
              </PostForm>
            ),
          },
        ]}
      />
      <PostForm action={`${base}${q(l)}`} csrf={props.csrf}>
        <LinkFields
          locale={l}
          {...(props.values === undefined ? {} : { values: props.values })}
          {...(props.errors === undefined ? {} : { errors: props.errors })}
        />
        <button type="submit">{m(l, 'evidence.links.add')}</button>
      </PostForm>
    </Section>
  );
}

/** The list across cases: the search form and, after a search, the items the reader may open. */
export function UnitsPage(props: {
  frame: StaffFrame;
  csrf: string;
  list?: LinkedList;
  values?: Record<string, string>;
  errors?: FieldErrors;
}) {
  const l = props.frame.locale;
  const list = props.list;
  return (
    <StaffPage frame={props.frame} title={m(l, 'evidence.units.title')} path={UNITS_PATH}>
      <p>{m(l, 'evidence.units.intro')}</p>
      <PostForm action={`${UNITS_PATH}${q(l)}`} csrf={props.csrf}>
        <LinkFields
          locale={l}
          values={props.values ?? (list === undefined ? {} : { kind: list.kind, name: list.name })}
          {...(props.errors === undefined ? {} : { errors: props.errors })}
        />
        <button type="submit">{m(l, 'evidence.units.search')}</button>
      </PostForm>
      {list === undefined ? null : (
        <section aria-labelledby="units-h">
          <h2 id="units-h">
            {m(l, 'evidence.units.result', {
              name: list.name,
              kind: m(l, `evidence.links.kind.${list.kind}`),
              count: list.items.length,
              cases: list.cases,
            })}
          </h2>
          <DataTable<LinkedItem>
            rows={list.items}
            rowKey={(i) => i.itemId}
            empty={m(l, 'evidence.units.empty')}
            columns={[
              {
                key: 'case',
                header: m(l, 'evidence.units.col.case'),
                cell: (i) => <a href={`/staff/evidence/cases/${i.caseRef}${q(l)}`}>{i.caseRef}</a>,
              },
              {
                key: 'item',
                header: m(l, 'evidence.units.col.item'),
                cell: (i) => <a href={`/staff/evidence/items/${i.itemId}${q(l)}`}>{i.itemName}</a>,
                rowHeader: true,
              },
              {
                key: 'channel',
                header: m(l, 'evidence.units.col.channel'),
                cell: (i) => evidenceMessages(l, `evidence.channel.${i.channel}`),
              },
              { key: 'received', header: m(l, 'evidence.units.col.received'), cell: (i) => i.receivedOn },
              { key: 'written', header: m(l, 'evidence.units.col.written'), cell: (i) => i.name },
            ]}
          />
        </section>
      )}
    </StaffPage>
  );
}
