import type { CustodyAction } from '../../db/types.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  DataTable,
  Field,
  PostForm,
  Section,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { type ConsentRecord, DESTINATIONS } from './consent.service.ts';
import type { CustodyEvent } from './custody-chain.ts';
import { ItemForms, type RedactionSummary } from './evidence.forms.views.tsx';
import { evidenceMessages as m } from './evidence.messages.ts';
import type { ItemSummary } from './evidence.service.ts';
import type { ExportBlock } from './export.service.ts';
import { linkMessages } from './links.messages.ts';
import type { LinkView } from './links.service.ts';
import { ItemLinksSection, UNITS_PATH } from './links.views.tsx';

type Grid = Array<{
  itemId: string;
  destination: ConsentRecord['destination'];
  consent: ConsentRecord | null;
}>;

/** What the evidence page of a case offers besides its items and consent grid. */
export interface CaseForms {
  csrf: string;
  messages: Array<{ id: string; createdOn: string; body: string; itemId: string | null }>;
  testimonies: Array<{ id: string; versions: number; confirmed: number }>;
  /** Only an evidence officer on the case exports. */
  canExport: boolean;
  /** The blocks of a refused export (translated here). */
  blocks?: ExportBlock[];
  values?: Record<string, string | string[]>;
  errors?: Record<string, string>;
}

/** One export block in the reader's language, naming the item. */
function blockText(l: Locale, b: ExportBlock, items: ItemSummary[]): string {
  const item = items.find((i) => i.id === b.itemId)?.name ?? b.itemId;
  return m(l, `evidence.block.${b.code}`, {
    item,
    status: b.status === undefined ? '' : m(l, `evidence.consent.${b.status}`),
  });
}

/** The evidence of one case: items with their arrival hashes, the consent grid, and the forms. */
export function EvidenceCasePage(props: {
  frame: StaffFrame;
  caseRef: string;
  items: ItemSummary[];
  grid: Grid;
  forms: CaseForms;
}) {
  const l = props.frame.locale;
  const title = m(l, 'evidence.case.title', { ref: props.caseRef });
  const f = props.forms;
  const base = `/staff/evidence/cases/${props.caseRef}`;
  const picked = (name: string): string[] => {
    const v = f.values?.[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return (
    <StaffPage frame={props.frame} title={title} path={`/staff/evidence/cases/${props.caseRef}`}>
      <p>{m(l, 'evidence.case.intro')}</p>
      <p>
        <a href={`${UNITS_PATH}?lang=${l}`}>{linkMessages(l, 'evidence.units.link')}</a>
      </p>
      <DataTable<ItemSummary>
        rows={props.items}
        rowKey={(i) => i.id}
        empty={m(l, 'evidence.items.empty')}
        columns={[
          { key: 'item', header: m(l, 'evidence.col.item'), cell: (i) => i.name, rowHeader: true },
          {
            key: 'channel',
            header: m(l, 'evidence.col.channel'),
            cell: (i) => m(l, `evidence.channel.${i.channel}`),
          },
          { key: 'received', header: m(l, 'evidence.col.received'), cell: (i) => i.receivedAt.slice(0, 10) },
          { key: 'sha256', header: m(l, 'evidence.col.sha256'), cell: (i) => <code>{i.sha256}</code> },
          {
            key: 'custody',
            header: m(l, 'evidence.col.custody'),
            cell: (i) => (
              <a href={`/staff/evidence/items/${i.id}?lang=${l}`}>{m(l, 'evidence.custody.link')}</a>
            ),
          },
        ]}
      />
      {props.items.length === 0 ? null : (
        <section>
          <h2>{m(l, 'evidence.consent.title')}</h2>
          <DataTable<Grid[number]>
            rows={props.grid}
            rowKey={(g) => `${g.itemId}|${g.destination}`}
            empty=""
            columns={[
              {
                key: 'item',
                header: m(l, 'evidence.col.item'),
                cell: (g) => props.items.find((i) => i.id === g.itemId)?.name ?? g.itemId,
                rowHeader: true,
              },
              {
                key: 'destination',
                header: m(l, 'evidence.col.destination'),
                cell: (g) => m(l, `evidence.destination.${g.destination}`),
              },
              {
                key: 'consent',
                header: m(l, 'evidence.col.consent'),
                cell: (g) =>
                  g.consent === null
                    ? m(l, 'evidence.consent.not_asked')
                    : `${m(l, `evidence.consent.${g.consent.status}`)}, ${m(l, `evidence.identity.${g.consent.identity}`)}`,
              },
            ]}
          />
        </section>
      )}
      <Section headingId="messages-h" title={m(l, 'evidence.messages.title')}>
        {f.messages.length === 0 ? (
          <p>{m(l, 'evidence.messages.empty')}</p>
        ) : (
          <PostForm action={`${base}/messages?lang=${l}`} csrf={f.csrf}>
            <fieldset>
              <legend>{m(l, 'evidence.messages.intro')}</legend>
              {f.messages.map((msg, i) => (
                <div>
                  {msg.itemId === null ? (
                    <input type="checkbox" id={`message-${i}`} name="message" value={msg.id} />
                  ) : null}{' '}
                  <label for={msg.itemId === null ? `message-${i}` : undefined}>
                    <time>{msg.createdOn}</time> {msg.body}
                  </label>
                  {msg.itemId === null ? null : (
                    <>
                      {' '}
                      ·{' '}
                      <a href={`/staff/evidence/items/${msg.itemId}?lang=${l}`}>
                        {m(l, 'evidence.messages.kept')}
                      </a>
                    </>
                  )}
                </div>
              ))}
              {f.errors?.message === undefined ? null : (
                <span class="error">{m(l, 'evidence.error.messages')}</span>
              )}
            </fieldset>
            <button type="submit">{m(l, 'evidence.messages.submit')}</button>
          </PostForm>
        )}
      </Section>
      <Section headingId="upload-h" title={m(l, 'evidence.upload.title')}>
        {/* PostForm puts the CSRF field first: the server checks it before reading the file. */}
        <PostForm action={`${base}/files?lang=${l}`} csrf={f.csrf} enctype="multipart/form-data">
          <Field locale={l} name="channel" label={m(l, 'evidence.upload.channel')}>
            {(a) => (
              <select {...a}>
                <option value="staff_upload">{m(l, 'evidence.channel.staff_upload')}</option>
                <option value="interview">{m(l, 'evidence.channel.interview')}</option>
              </select>
            )}
          </Field>
          <Field locale={l} name="file" label={m(l, 'evidence.upload.file')}>
            {(a) => (
              <input
                {...a}
                type="file"
                accept="image/jpeg,image/png,application/pdf,audio/*,video/*"
                required
              />
            )}
          </Field>
          <button type="submit">{m(l, 'evidence.upload.submit')}</button>
        </PostForm>
      </Section>
      <Section headingId="testimony-h" title={m(l, 'evidence.testimony.list')}>
        {f.testimonies.length === 0 ? <p>{m(l, 'evidence.testimony.none')}</p> : null}
        <ul>
          {f.testimonies.map((t) => (
            <li>
              <a href={`/staff/evidence/testimony/${t.id}?lang=${l}`}>
                {m(l, 'evidence.testimony.open', { id: t.id.slice(0, 8), count: t.versions })}
              </a>
            </li>
          ))}
        </ul>
        <p>
          <a href={`${base}/testimony/new?lang=${l}`}>{m(l, 'evidence.testimony.new')}</a>
        </p>
      </Section>
      {f.canExport && props.items.length > 0 ? (
        <Section headingId="export-h" title={m(l, 'evidence.export.title')}>
          {f.blocks === undefined ? null : (
            <div role="alert" class="alert" id="export-blocked">
              <p>{m(l, 'evidence.export.blocked')}</p>
              <ul>
                {f.blocks.map((b) => (
                  <li>{blockText(l, b, props.items)}</li>
                ))}
              </ul>
            </div>
          )}
          <PostForm action={`${base}/export?lang=${l}`} csrf={f.csrf}>
            <fieldset>
              <legend>{m(l, 'evidence.export.items')}</legend>
              {props.items.map((i, n) => (
                <div>
                  <input
                    type="checkbox"
                    id={`export-item-${n}`}
                    name="item"
                    value={i.id}
                    checked={picked('item').includes(i.id)}
                  />{' '}
                  <label for={`export-item-${n}`}>
                    {i.name} ({m(l, `evidence.channel.${i.channel}`)})
                  </label>
                </div>
              ))}
            </fieldset>
            <Field locale={l} name="destination" label={m(l, 'evidence.export.destination')}>
              {(a) => (
                <select {...a}>
                  {DESTINATIONS.map((d) => (
                    <option value={d} selected={picked('destination').includes(d)}>
                      {m(l, `evidence.destination.${d}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field locale={l} name="pseudonym" label={m(l, 'evidence.export.pseudonym')}>
              {(a) => <input {...a} value={picked('pseudonym')[0] ?? ''} maxLength={100} />}
            </Field>
            <Field locale={l} name="reason" label={m(l, 'evidence.export.reason')}>
              {(a) => (
                <textarea {...a} rows={2} required>
                  {picked('reason')[0] ?? ''}
                </textarea>
              )}
            </Field>
            <button type="submit">{m(l, 'evidence.export.submit')}</button>
          </PostForm>
          <p>
            <a href={`/staff/evidence/key?lang=${l}`}>{m(l, 'evidence.export.key')}</a>
          </p>
        </Section>
      ) : null}
      <p>{m(l, 'evidence.verify.hint')}</p>
    </StaffPage>
  );
}

/** One item: its custody, from arrival to now, with the reasons, and the forms that act on it. */
export function CustodyPage(props: {
  frame: StaffFrame;
  item: ItemSummary & { caseRef: string };
  events: Array<CustodyEvent & { reason: string | null }>;
  label: (id: string) => string;
  csrf: string;
  redactions: RedactionSummary[];
  links: readonly LinkView[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
}) {
  const l = props.frame.locale;
  const item = props.item;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'evidence.custody.title')}
      path={`/staff/evidence/items/${item.id}`}
    >
      <p>
        <a href={`/staff/evidence/cases/${item.caseRef}?lang=${l}`}>
          {m(l, 'evidence.case.title', { ref: item.caseRef })}
        </a>
      </p>
      <p>
        {item.name} · {m(l, `evidence.channel.${item.channel}`)} · <code>{props.events[0]?.itemSha256}</code>
      </p>
      <DataTable<CustodyEvent & { reason: string | null }>
        rows={props.events}
        rowKey={(e) => String(e.seq)}
        empty=""
        columns={[
          { key: 'seq', header: m(l, 'evidence.col.seq'), cell: (e) => e.seq, rowHeader: true },
          {
            key: 'when',
            header: m(l, 'evidence.col.when'),
            cell: (e) => e.at.slice(0, 16).replace('T', ' '),
          },
          {
            key: 'who',
            header: m(l, 'evidence.col.who'),
            cell: (e) => (e.actor === 'applicant' ? m(l, 'evidence.applicant') : props.label(e.actor)),
          },
          {
            key: 'action',
            header: m(l, 'evidence.col.action'),
            cell: (e) => m(l, `evidence.action.${e.action as CustodyAction}`),
          },
          { key: 'reason', header: m(l, 'evidence.col.reason'), cell: (e) => e.reason ?? '' },
        ]}
      />
      <ItemForms
        locale={l}
        csrf={props.csrf}
        item={item}
        redactions={props.redactions}
        {...(props.values === undefined ? {} : { values: props.values })}
        {...(props.errors === undefined ? {} : { errors: props.errors })}
      />
      <ItemLinksSection
        locale={l}
        csrf={props.csrf}
        itemId={item.id}
        links={props.links}
        {...(props.values === undefined ? {} : { values: props.values })}
        {...(props.errors === undefined ? {} : { errors: props.errors })}
      />
    </StaffPage>
  );
}
