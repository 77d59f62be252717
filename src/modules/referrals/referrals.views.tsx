import type { ComponentChildren } from 'preact';
import type { Locale } from '../../platform/i18n/index.ts';
import { CsrfField, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { MatchLine, MatchResult } from './matching.ts';
import type { PartnerSummary, PartnerView } from './partners.service.ts';
import {
  isReferralsMessageKey,
  referralsMessages as m,
  type ReferralsMessageKey,
} from './referrals.messages.ts';
import type { ReferralReports } from './referrals.reports.ts';
import {
  CONSENT_VIA,
  CONTACT_METHODS,
  LANGUAGES,
  PACKET_FIELDS,
  PARTNER_KINDS,
  SENSITIVE_FIELDS,
  SPECIALTIES,
} from './referrals.schemas.ts';
import type { Packet, StaffReferralView } from './referrals.service.ts';
import type { IncomingReferralView } from './remote-senders.ts';

/** The referral network's staff pages: directory, partner, vetting, reports, a case's referrals. */
const tr = (l: Locale, key: string) => (isReferralsMessageKey(key) ? m(l, key) : key);
const kind = (l: Locale, k: string) => tr(l, `referrals.kind.${k}`);
const spec = (l: Locale, s: string) => tr(l, `referrals.spec.${s}`);
const vetting = (l: Locale, s: string) => tr(l, `referrals.vetting.${s}`);
const state = (l: Locale, s: string) => tr(l, `referrals.state.${s}`);
const capacity = (p: PartnerSummary) =>
  `${p.capacityPlaces}${p.capacityFrom === null && p.capacityUntil === null ? '' : ` (${p.capacityFrom ?? '…'} – ${p.capacityUntil ?? '…'})`}`;

export function Subnav(props: { locale: Locale; links: Array<{ href: string; key: ReferralsMessageKey }> }) {
  const l = props.locale;
  return (
    <nav aria-label={m(l, 'referrals.nav')} class="workspace">
      <ul class="inline-list">
        {props.links.map((x) => (
          <li key={x.href}>
            <a href={`${x.href}?lang=${l}`}>{m(l, x.key)}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A group of checkboxes with a legend. */
function Checks(props: {
  name: string;
  legend: string;
  values: readonly string[];
  label: (v: string) => string;
  checked?: readonly string[];
  idPrefix: string;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.values.map((v) => (
        <span key={v} class="check">
          <input
            type="checkbox"
            id={`${props.idPrefix}-${props.name}-${v}`}
            name={props.name}
            value={v}
            checked={props.checked?.includes(v) ?? false}
          />
          <label for={`${props.idPrefix}-${props.name}-${v}`}>{props.label(v)}</label>
        </span>
      ))}
    </fieldset>
  );
}

function Select(props: {
  locale: Locale;
  name: string;
  label: string;
  options: ReadonlyArray<[string, string]>;
  id: string;
  value?: string;
}) {
  return (
    <Field locale={props.locale} id={props.id} name={props.name} label={props.label}>
      {(a) => (
        <select {...a}>
          {props.options.map(([v, text]) => (
            <option key={v} value={v} selected={v === props.value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function Input(props: {
  locale: Locale;
  name: string;
  label: string;
  id: string;
  type?: 'text' | 'number' | 'date';
  value?: string;
  required?: boolean;
}) {
  return (
    <Field locale={props.locale} id={props.id} name={props.name} label={props.label}>
      {(a) =>
        props.type === 'number' ? (
          <input {...a} type="number" value={props.value ?? ''} required={props.required} />
        ) : props.type === 'date' ? (
          <input {...a} type="date" value={props.value ?? ''} required={props.required} />
        ) : (
          <input {...a} type="text" value={props.value ?? ''} required={props.required} />
        )
      }
    </Field>
  );
}

export function directorySubnav(l: Locale, links: { vet: boolean; reports: boolean }) {
  return (
    <Subnav
      locale={l}
      links={[
        { href: '/staff/referrals', key: 'referrals.nav' },
        ...(links.vet ? [{ href: '/staff/referrals/vetting', key: 'referrals.nav.vetting' as const }] : []),
        ...(links.reports
          ? [{ href: '/staff/referrals/reports', key: 'referrals.nav.reports' as const }]
          : []),
      ]}
    />
  );
}

function PartnerTable(props: { locale: Locale; partners: PartnerSummary[]; caption?: string }) {
  const l = props.locale;
  return (
    <DataTable<PartnerSummary>
      rows={props.partners}
      rowKey={(p) => p.id}
      caption={props.caption}
      empty={m(l, 'referrals.directory.empty')}
      columns={[
        {
          key: 'name',
          header: m(l, 'referrals.col.name'),
          rowHeader: true,
          cell: (p) => <a href={`/staff/referrals/partners/${p.id}?lang=${l}`}>{p.name}</a>,
        },
        { key: 'kind', header: m(l, 'referrals.col.kind'), cell: (p) => kind(l, p.kind) },
        { key: 'place', header: m(l, 'referrals.col.place'), cell: (p) => `${p.country}, ${p.city}` },
        { key: 'languages', header: m(l, 'referrals.col.languages'), cell: (p) => p.languages.join(', ') },
        { key: 'capacity', header: m(l, 'referrals.col.capacity'), cell: capacity },
        { key: 'vetting', header: m(l, 'referrals.col.vetting'), cell: (p) => vetting(l, p.vettingStatus) },
        { key: 'hits', header: m(l, 'referrals.col.hits'), cell: (p) => String(p.watchlistHits) },
      ]}
    />
  );
}

export function DirectoryPageView(props: {
  frame: StaffFrame;
  partners: PartnerSummary[];
  query: { q: string; city: string; country: string };
  canAdd: boolean;
  subnav: ComponentChildren;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.directory.title')}
      path="/staff/referrals"
      subnav={props.subnav}
    >
      <form method="get" action="/staff/referrals" class="filters">
        <input type="hidden" name="lang" value={l} />
        <Input locale={l} id="dir-q" name="q" label={m(l, 'referrals.col.name')} value={props.query.q} />
        <Input
          locale={l}
          id="dir-city"
          name="city"
          label={m(l, 'referrals.field.city')}
          value={props.query.city}
        />
        <Input
          locale={l}
          id="dir-country"
          name="country"
          label={m(l, 'referrals.field.country')}
          value={props.query.country}
        />
        <button type="submit">{m(l, 'referrals.directory.search')}</button>
      </form>
      {props.canAdd ? (
        <p>
          <a href={`/staff/referrals/partners/new?lang=${l}`}>{m(l, 'referrals.directory.add')}</a>
        </p>
      ) : null}
      <PartnerTable locale={l} partners={props.partners} />
    </StaffPage>
  );
}

export function NewPartnerPageView(props: {
  frame: StaffFrame;
  csrf: string;
  subnav: ComponentChildren;
  peers?: ReadonlyArray<{ id: string; label: string; fingerprint: string }>;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.partner.new.title')}
      path="/staff/referrals/partners/new"
      subnav={props.subnav}
    >
      <p>{m(l, 'referrals.partner.new.intro')}</p>
      <form method="post" action={`/staff/referrals/partners?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Select
          locale={l}
          id="p-kind"
          name="kind"
          label={m(l, 'referrals.field.kind')}
          options={PARTNER_KINDS.map((k) => [k, kind(l, k)])}
        />
        <Select
          locale={l}
          id="p-peer"
          name="peerId"
          label={m(l, 'referrals.field.peer')}
          options={[
            ['', m(l, 'referrals.field.peer.none')],
            ...(props.peers ?? []).map((p): [string, string] => [p.id, `${p.label} (${p.fingerprint})`]),
          ]}
        />
        <Input locale={l} id="p-name" name="name" label={m(l, 'referrals.field.name')} required />
        <Input locale={l} id="p-given" name="givenName" label={m(l, 'referrals.field.givenName')} />
        <Input locale={l} id="p-family" name="familyName" label={m(l, 'referrals.field.familyName')} />
        <Input locale={l} id="p-birth" name="birthDate" label={m(l, 'referrals.field.birthDate')} />
        <Input locale={l} id="p-country" name="country" label={m(l, 'referrals.field.country')} required />
        <Input locale={l} id="p-city" name="city" label={m(l, 'referrals.field.city')} required />
        <Checks
          idPrefix="p"
          name="languages"
          legend={m(l, 'referrals.field.languages')}
          values={LANGUAGES}
          label={(v) => v}
        />
        <Checks
          idPrefix="p"
          name="specialties"
          legend={m(l, 'referrals.field.specialties')}
          values={SPECIALTIES}
          label={(v) => spec(l, v)}
        />
        <Input
          locale={l}
          id="p-places"
          name="capacityPlaces"
          type="number"
          label={m(l, 'referrals.field.capacityPlaces')}
          value="0"
        />
        <Input
          locale={l}
          id="p-from"
          name="capacityFrom"
          type="date"
          label={m(l, 'referrals.field.capacityFrom')}
        />
        <Input
          locale={l}
          id="p-until"
          name="capacityUntil"
          type="date"
          label={m(l, 'referrals.field.capacityUntil')}
        />
        <Select
          locale={l}
          id="p-contact-method"
          name="contactMethod"
          label={m(l, 'referrals.field.contactMethod')}
          options={CONTACT_METHODS.map((c) => [c, tr(l, `referrals.contact.${c}`)])}
        />
        <Input locale={l} id="p-contact" name="contact" label={m(l, 'referrals.field.contact')} required />
        <Input locale={l} id="p-phone" name="phone" label={m(l, 'referrals.field.phone')} />
        <Field locale={l} id="p-notes" name="notes" label={m(l, 'referrals.field.notes')}>
          {(a) => <textarea {...a} rows={3} />}
        </Field>
        <Field locale={l} id="p-voucher" name="voucherNote" label={m(l, 'referrals.field.voucherNote')}>
          {(a) => <textarea {...a} rows={2} />}
        </Field>
        <button type="submit">{m(l, 'referrals.partner.save')}</button>
      </form>
    </StaffPage>
  );
}

export function PartnerPageView(props: {
  frame: StaffFrame;
  csrf: string;
  partner: PartnerView;
  canVet: boolean;
  canManage: boolean;
  subnav: ComponentChildren;
}) {
  const l = props.frame.locale;
  const p = props.partner;
  const d = p.details;
  return (
    <StaffPage
      frame={props.frame}
      title={`${m(l, 'referrals.partner.title')}: ${p.name}`}
      path={`/staff/referrals/partners/${p.id}`}
      subnav={props.subnav}
    >
      <dl>
        <dt>{m(l, 'referrals.col.kind')}</dt>
        <dd>{kind(l, p.kind)}</dd>
        <dt>{m(l, 'referrals.col.place')}</dt>
        <dd>
          {p.country}, {p.city}
        </dd>
        <dt>{m(l, 'referrals.col.languages')}</dt>
        <dd>{p.languages.join(', ') || '—'}</dd>
        <dt>{m(l, 'referrals.field.specialties')}</dt>
        <dd>{p.specialties.map((s) => spec(l, s)).join(', ') || '—'}</dd>
        <dt>{m(l, 'referrals.col.capacity')}</dt>
        <dd>{capacity(p)}</dd>
        <dt>{m(l, 'referrals.field.contactMethod')}</dt>
        <dd>
          {tr(l, `referrals.contact.${d.contactMethod}`)}: {d.contact}
        </dd>
        <dt>{m(l, 'referrals.col.vetting')}</dt>
        <dd id="partner-vetting">{vetting(l, p.vettingStatus)}</dd>
        <dt>{m(l, 'referrals.col.hits')}</dt>
        <dd>{p.watchlistHits}</dd>
        <dt>{m(l, 'referrals.field.notes')}</dt>
        <dd>{d.notes || '—'}</dd>
        <dt>{m(l, 'referrals.field.voucherNote')}</dt>
        <dd>{d.voucherNote || '—'}</dd>
      </dl>
      {props.canVet ? (
        <form method="post" action={`/staff/referrals/partners/${p.id}/vetting?lang=${l}`}>
          <CsrfField token={props.csrf} />
          <Select
            locale={l}
            id="v-decision"
            name="decision"
            label={m(l, 'referrals.field.decision')}
            options={(['vet', 'flag', 'reject'] as const).map((x) => [x, m(l, `referrals.decision.${x}`)])}
          />
          <Field locale={l} id="v-reason" name="reason" label={m(l, 'referrals.field.reason')}>
            {(a) => <textarea {...a} rows={2} />}
          </Field>
          <button type="submit">{m(l, 'referrals.vetting.decide')}</button>
        </form>
      ) : null}
      {props.canManage ? (
        <form method="post" action={`/staff/referrals/partners/${p.id}/members?lang=${l}`}>
          <h2>{m(l, 'referrals.members.title')}</h2>
          <CsrfField token={props.csrf} />
          <Input locale={l} id="m-staff" name="staffId" label={m(l, 'referrals.field.staffId')} required />
          <button type="submit">{m(l, 'referrals.members.add')}</button>
        </form>
      ) : null}
    </StaffPage>
  );
}

export function VettingPageView(props: {
  frame: StaffFrame;
  partners: PartnerSummary[];
  subnav: ComponentChildren;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.vetting.title')}
      path="/staff/referrals/vetting"
      subnav={props.subnav}
    >
      <p>{m(l, 'referrals.vetting.intro')}</p>
      <PartnerTable locale={l} partners={props.partners} />
    </StaffPage>
  );
}

function Counts(props: {
  locale: Locale;
  caption: string;
  rows: Array<{ key: string; label: string; n: number }>;
}) {
  const l = props.locale;
  return (
    <DataTable<{ key: string; label: string; n: number }>
      rows={props.rows}
      rowKey={(r) => r.key}
      caption={props.caption}
      empty="—"
      columns={[
        { key: 'k', header: props.caption, rowHeader: true, cell: (r) => r.label },
        { key: 'n', header: m(l, 'referrals.col.count'), cell: (r) => String(r.n) },
      ]}
    />
  );
}

export function ReportsPageView(props: {
  frame: StaffFrame;
  reports: ReferralReports;
  subnav: ComponentChildren;
}) {
  const l = props.frame.locale;
  const r = props.reports;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.reports.title')}
      path="/staff/referrals/reports"
      subnav={props.subnav}
    >
      <p id="unanswered">
        {m(l, 'referrals.reports.unanswered')}: <strong>{r.unanswered}</strong>
      </p>
      <Counts
        locale={l}
        caption={m(l, 'referrals.reports.by_state')}
        rows={r.byState.map((x) => ({ ...x, label: state(l, x.key) }))}
      />
      <Counts
        locale={l}
        caption={m(l, 'referrals.reports.by_country')}
        rows={r.byCountry.map((x) => ({ ...x, label: x.key }))}
      />
      <Counts
        locale={l}
        caption={m(l, 'referrals.reports.by_partner')}
        rows={r.byPartner.map((x) => ({ key: x.partnerId, label: x.partner?.name ?? '—', n: x.n }))}
      />
      <Counts
        locale={l}
        caption={m(l, 'referrals.reports.by_age')}
        rows={r.byAge.map((x) => ({ ...x, label: m(l, `referrals.age.${x.key}`) }))}
      />
      <Counts
        locale={l}
        caption={m(l, 'referrals.reports.partners')}
        rows={r.partners.map((x) => ({ ...x, label: vetting(l, x.key) }))}
      />
      <PartnerTable locale={l} partners={r.nearCapacity} caption={m(l, 'referrals.reports.near_capacity')} />
    </StaffPage>
  );
}

// ---- a case's referrals ------------------------------------------------------------------------

export function PacketList(props: { locale: Locale; packet: Packet }) {
  const l = props.locale;
  const entries = PACKET_FIELDS.filter((f) => props.packet[f] !== undefined);
  return (
    <dl class="packet">
      {entries.map((f) => {
        const v = props.packet[f];
        const text =
          f === 'needs' && Array.isArray(v)
            ? v.map((s) => spec(l, String(s))).join(', ')
            : Array.isArray(v)
              ? v.join(', ')
              : String(v);
        return (
          <>
            <dt>{m(l, `referrals.packet.${f}`)}</dt>
            <dd data-field={f}>{text}</dd>
          </>
        );
      })}
    </dl>
  );
}

function MatchForm(props: { locale: Locale; ref_: string; result: MatchResult }) {
  const l = props.locale;
  const q = props.result.query;
  return (
    <form method="get" action={`/staff/referrals/cases/${props.ref_}`} class="filters">
      <input type="hidden" name="lang" value={l} />
      <Input
        locale={l}
        id="mq-country"
        name="country"
        label={m(l, 'referrals.field.country')}
        value={q.country}
      />
      <Input locale={l} id="mq-city" name="city" label={m(l, 'referrals.field.city')} value={q.city} />
      <Select
        locale={l}
        id="mq-kind"
        name="kind"
        label={m(l, 'referrals.field.kind')}
        value={q.kind}
        options={[['', '—'], ...PARTNER_KINDS.map((k): [string, string] => [k, kind(l, k)])]}
      />
      <Input
        locale={l}
        id="mq-people"
        name="people"
        type="number"
        label={m(l, 'referrals.field.people')}
        value={String(q.people)}
      />
      <Input
        locale={l}
        id="mq-arrival"
        name="arrival"
        type="date"
        label={m(l, 'referrals.field.arrival')}
        value={q.arrival ?? ''}
      />
      <Checks
        idPrefix="mq"
        name="languages"
        legend={m(l, 'referrals.field.languages')}
        values={LANGUAGES}
        label={(v) => v}
        checked={q.languages}
      />
      <Checks
        idPrefix="mq"
        name="specialties"
        legend={m(l, 'referrals.field.needs')}
        values={SPECIALTIES}
        label={(v) => spec(l, v)}
        checked={q.specialties}
      />
      <button type="submit">{m(l, 'referrals.case.match')}</button>
    </form>
  );
}

function MatchTable(props: {
  locale: Locale;
  ref_: string;
  csrf: string;
  result: MatchResult;
  canWrite: boolean;
}) {
  const l = props.locale;
  const q = props.result.query;
  return (
    <DataTable<MatchLine>
      rows={props.result.lines}
      rowKey={(x) => x.partner.id}
      caption={m(l, 'referrals.case.results')}
      empty={m(l, 'referrals.case.noresults')}
      rowAttributes={(x) => ({ 'data-partner': x.partner.id })}
      columns={[
        { key: 'name', header: m(l, 'referrals.col.name'), rowHeader: true, cell: (x) => x.partner.name },
        { key: 'kind', header: m(l, 'referrals.col.kind'), cell: (x) => kind(l, x.partner.kind) },
        {
          key: 'place',
          header: m(l, 'referrals.col.place'),
          cell: (x) => `${x.partner.country}, ${x.partner.city}`,
        },
        { key: 'score', header: m(l, 'referrals.col.score'), cell: (x) => String(x.score) },
        {
          key: 'why',
          header: m(l, 'referrals.col.why'),
          cell: (x) => (
            <ul class="why">
              {x.reasons.map((r) => (
                <li key={r.key}>{m(l, r.key, r.params)}</li>
              ))}
            </ul>
          ),
        },
        {
          key: 'refer',
          header: <span class="visually-hidden">{m(l, 'referrals.case.refer')}</span>,
          cell: (x) =>
            props.canWrite ? (
              <form method="post" action={`/staff/referrals/cases/${props.ref_}?lang=${l}`}>
                <CsrfField token={props.csrf} />
                <input type="hidden" name="partnerId" value={x.partner.id} />
                <input type="hidden" name="people" value={String(q.people)} />
                {q.arrival === undefined ? null : <input type="hidden" name="arrival" value={q.arrival} />}
                {q.languages.map((v) => (
                  <input key={v} type="hidden" name="languages" value={v} />
                ))}
                {q.specialties.map((v) => (
                  <input key={v} type="hidden" name="needs" value={v} />
                ))}
                <button type="submit" aria-label={`${m(l, 'referrals.case.refer')}: ${x.partner.name}`}>
                  {m(l, 'referrals.case.refer')}
                </button>
              </form>
            ) : null,
        },
      ]}
    />
  );
}

function ReferralCard(props: {
  locale: Locale;
  ref_: string;
  csrf: string;
  r: StaffReferralView;
  canWrite: boolean;
  today: string;
}) {
  const l = props.locale;
  const r = props.r;
  const base = `/staff/referrals/cases/${props.ref_}/${r.id}`;
  const action = (path: string, label: string, children?: ComponentChildren) => (
    <form method="post" action={`${base}/${path}?lang=${l}`}>
      <CsrfField token={props.csrf} />
      {children}
      <button type="submit">{label}</button>
    </form>
  );
  const open = ['draft', 'consent_recorded', 'sent', 'accepted', 'in_progress'].includes(r.state);
  return (
    <section class="referral" id={`referral-${r.id}`} aria-labelledby={`referral-${r.id}-title`}>
      <h3 id={`referral-${r.id}-title`}>
        {r.partner?.name ?? '—'} ({r.partner === undefined ? '' : kind(l, r.partner.kind)}) —{' '}
        <span data-state={r.state}>{state(l, r.state)}</span>
        {r.paused ? ` · ${m(l, 'referrals.state.paused')}` : ''}
      </h3>
      {r.overdue && r.respondBy !== null ? (
        <p class="notice">{m(l, 'referrals.case.overdue', { day: r.respondBy })}</p>
      ) : null}
      {r.request === null ? null : (
        <p>
          {m(l, 'referrals.case.request')}: {m(l, 'referrals.field.people')} {r.request.people}
          {r.request.arrival === undefined
            ? ''
            : ` · ${m(l, 'referrals.field.arrival')} ${r.request.arrival}`}
        </p>
      )}
      {r.consentVia === null ? null : (
        <p>
          {m(l, 'referrals.event.consent_recorded')} ({tr(l, `referrals.via.${r.consentVia}`)}, {r.consentOn}
          ): {r.consentFields.map((f) => tr(l, `referrals.packet.${f}`)).join(', ')}
        </p>
      )}
      {r.consentAsked === null ? null : (
        <p class="notice" id={`asked-${r.id}`}>
          {m(l, 'referrals.consent.asked', {
            fields: r.consentAsked.map((f) => tr(l, `referrals.packet.${f}`)).join(', '),
          })}
        </p>
      )}
      {r.packet === null ? null : (
        <>
          <h4>{m(l, 'referrals.case.packet')}</h4>
          <PacketList locale={l} packet={r.packet} />
        </>
      )}
      {!props.canWrite || r.paused ? null : (
        <div class="actions">
          {r.state === 'draft'
            ? action(
                'ask',
                m(l, 'referrals.consent.ask'),
                <Checks
                  idPrefix={`a-${r.id}`}
                  name="fields"
                  legend={m(l, 'referrals.field.fields')}
                  values={PACKET_FIELDS}
                  label={(f) =>
                    `${tr(l, `referrals.packet.${f}`)}${SENSITIVE_FIELDS.has(f as never) ? ' *' : ''}`
                  }
                />,
              )
            : null}
          {r.state === 'draft'
            ? action(
                'consent',
                m(l, 'referrals.case.consent'),
                <>
                  <Checks
                    idPrefix={`c-${r.id}`}
                    name="fields"
                    legend={m(l, 'referrals.field.fields')}
                    values={PACKET_FIELDS}
                    label={(f) =>
                      `${tr(l, `referrals.packet.${f}`)}${SENSITIVE_FIELDS.has(f as never) ? ' *' : ''}`
                    }
                  />
                  <p class="hint">* {m(l, 'referrals.case.needs_approval')}</p>
                  <Select
                    locale={l}
                    id={`c-${r.id}-via`}
                    name="via"
                    label={m(l, 'referrals.field.via')}
                    options={CONSENT_VIA.map((v) => [v, tr(l, `referrals.via.${v}`)])}
                  />
                  <Input
                    locale={l}
                    id={`c-${r.id}-on`}
                    name="on"
                    type="date"
                    label={m(l, 'referrals.field.on')}
                    value={props.today}
                  />
                </>,
              )
            : null}
          {r.state === 'consent_recorded' && r.sensitive && !r.disclosureApproved ? (
            <>
              <p class="notice">{m(l, 'referrals.case.needs_approval')}</p>
              {action('approve', m(l, 'referrals.case.approve'))}
            </>
          ) : null}
          {r.state === 'consent_recorded' && (!r.sensitive || r.disclosureApproved)
            ? action('send', m(l, 'referrals.case.send'))
            : null}
          {['sent', 'accepted', 'in_progress'].includes(r.state)
            ? action(
                'message',
                m(l, 'referrals.case.message'),
                <Field locale={l} id={`msg-${r.id}`} name="body" label={m(l, 'referrals.field.body')}>
                  {(a) => <textarea {...a} rows={2} required />}
                </Field>,
              )
            : null}
          {['declined', 'expired', 'sent'].includes(r.state)
            ? action(
                'reroute',
                m(l, 'referrals.case.reroute'),
                <Input
                  locale={l}
                  id={`rr-${r.id}`}
                  name="partnerId"
                  label={m(l, 'referrals.col.partner')}
                  required
                />,
              )
            : null}
          {open
            ? action(
                'withdraw',
                m(l, 'referrals.case.withdraw'),
                <Field locale={l} id={`wd-${r.id}`} name="reason" label={m(l, 'referrals.field.reason')}>
                  {(a) => <input {...a} type="text" />}
                </Field>,
              )
            : null}
        </div>
      )}
      <ol class="timeline">
        {r.events.map((e, i) => (
          <li key={String(i)}>
            {tr(l, `referrals.event.${e.event}`)} ·{' '}
            {e.byPartner ? m(l, 'referrals.from.partner') : m(l, 'referrals.from.staff')} ·{' '}
            <time>{e.at.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>
            {e.note === null ? null : <p class="note">{e.note}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function CaseReferralsPageView(props: {
  frame: StaffFrame;
  csrf: string;
  ref_: string;
  referrals: StaffReferralView[];
  match: MatchResult;
  canWrite: boolean;
  today: string;
  incoming?: IncomingReferralView | undefined;
}) {
  const l = props.frame.locale;
  const pre = props.match.prefilled;
  const what = [
    pre.destination === null ? null : `${m(l, 'referrals.col.country')} ${pre.destination}`,
    pre.people === null ? null : `${m(l, 'referrals.field.people')} ${pre.people}`,
  ].filter((x) => x !== null);
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.case.title', { ref: props.ref_ })}
      path={`/staff/referrals/cases/${props.ref_}`}
      subnav={
        <p>
          <a href={`/staff/cases/${props.ref_}?lang=${l}`}>{props.ref_}</a>
        </p>
      }
    >
      {props.incoming === undefined ? null : (
        <IncomingPanel
          locale={l}
          ref_={props.ref_}
          csrf={props.csrf}
          incoming={props.incoming}
          canWrite={props.canWrite}
        />
      )}
      {props.referrals.length === 0 ? <p>{m(l, 'referrals.case.none')}</p> : null}
      {props.referrals.map((r) => (
        <ReferralCard
          key={r.id}
          locale={l}
          ref_={props.ref_}
          csrf={props.csrf}
          r={r}
          canWrite={props.canWrite}
          today={props.today}
        />
      ))}
      <h2>{m(l, 'referrals.case.find')}</h2>
      {what.length > 0 ? <p>{m(l, 'referrals.case.prefilled', { what: what.join(', ') })}</p> : null}
      <MatchForm locale={l} ref_={props.ref_} result={props.match} />
      <MatchTable
        locale={l}
        ref_={props.ref_}
        csrf={props.csrf}
        result={props.match}
        canWrite={props.canWrite}
      />
    </StaffPage>
  );
}

/** A case filed from another Sanctuary server's referral: where it came from, and the answer sent back. */
function IncomingPanel(props: {
  locale: Locale;
  ref_: string;
  csrf: string;
  incoming: IncomingReferralView;
  canWrite: boolean;
}) {
  const l = props.locale;
  const i = props.incoming;
  return (
    <section id="incoming-referral" aria-labelledby="incoming-referral-h">
      <h2 id="incoming-referral-h">{m(l, 'referrals.incoming.title')}</h2>
      <dl>
        <dt>{m(l, 'referrals.incoming.from')}</dt>
        <dd>
          {i.peerLabel} <code>{i.fingerprint}</code>
        </dd>
        <dt>{m(l, 'referrals.incoming.their_ref')}</dt>
        <dd>
          <code>{i.theirRef}</code>
        </dd>
        <dt>{m(l, 'referrals.incoming.answer')}</dt>
        <dd id="incoming-answer">
          {i.answer === null ? m(l, 'referrals.incoming.unanswered') : state(l, i.answer)}
        </dd>
      </dl>
      {i.answer === 'withdrawn' ? <p role="status">{m(l, 'referrals.incoming.withdrawn')}</p> : null}
      {props.canWrite && i.next.length > 0 ? (
        <form method="post" action={`/staff/referrals/cases/${props.ref_}/remote-answer?lang=${l}`}>
          <CsrfField token={props.csrf} />
          <fieldset>
            <legend>{m(l, 'referrals.incoming.send')}</legend>
            {i.next.map((s, n) => (
              <label key={s}>
                <input type="radio" name="status" value={s} checked={n === 0} /> {state(l, s)}
              </label>
            ))}
          </fieldset>
          <Field locale={l} id="incoming-note" name="note" label={m(l, 'referrals.incoming.note')}>
            {(a) => <textarea {...a} rows={2} />}
          </Field>
          <button type="submit">{m(l, 'referrals.incoming.submit')}</button>
        </form>
      ) : null}
    </section>
  );
}
