import { CsrfField, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { PartnerSummary } from './partners.service.ts';
import { referralsMessages as m } from './referrals.messages.ts';
import type { PartnerReferralView } from './referrals.service.ts';
import { PacketList } from './referrals.views.tsx';

/** The partner portal: the referrals sent to this partner (consented fields only) and its capacity. */
const stateText = (l: StaffFrame['locale'], s: PartnerReferralView['state']) => m(l, `referrals.state.${s}`);

export function PortalPageView(props: {
  frame: StaffFrame;
  csrf: string;
  partner: PartnerSummary;
  referrals: PartnerReferralView[];
}) {
  const l = props.frame.locale;
  const p = props.partner;
  return (
    <StaffPage frame={props.frame} title={m(l, 'referrals.portal.title')} path="/staff/partner">
      <p>{m(l, 'referrals.portal.intro')}</p>
      <DataTable<PartnerReferralView>
        rows={props.referrals}
        rowKey={(r) => r.id}
        empty={m(l, 'referrals.portal.empty')}
        rowAttributes={(r) => ({ 'data-referral': r.id })}
        columns={[
          {
            key: 'when',
            header: m(l, 'referrals.col.due'),
            rowHeader: true,
            cell: (r) => (
              <a href={`/staff/partner/referrals/${r.id}?lang=${l}`}>
                {m(l, 'referrals.portal.referral', { day: r.sentOn ?? '—' })}
              </a>
            ),
          },
          { key: 'state', header: m(l, 'referrals.col.state'), cell: (r) => stateText(l, r.state) },
          {
            key: 'people',
            header: m(l, 'referrals.packet.people'),
            cell: (r) => (r.packet.people === undefined ? '—' : String(r.packet.people)),
          },
          {
            key: 'week',
            header: m(l, 'referrals.packet.arrival_week'),
            cell: (r) => r.packet.arrival_week ?? '—',
          },
        ]}
      />
      <h2>{m(l, 'referrals.portal.capacity')}</h2>
      <form method="post" action={`/staff/partner/capacity?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Field
          locale={l}
          id="cap-places"
          name="capacityPlaces"
          label={m(l, 'referrals.field.capacityPlaces')}
        >
          {(a) => <input {...a} type="number" min="0" value={String(p.capacityPlaces)} required />}
        </Field>
        <Field locale={l} id="cap-from" name="capacityFrom" label={m(l, 'referrals.field.capacityFrom')}>
          {(a) => <input {...a} type="date" value={p.capacityFrom ?? ''} />}
        </Field>
        <Field locale={l} id="cap-until" name="capacityUntil" label={m(l, 'referrals.field.capacityUntil')}>
          {(a) => <input {...a} type="date" value={p.capacityUntil ?? ''} />}
        </Field>
        <button type="submit">{m(l, 'referrals.portal.capacity.save')}</button>
      </form>
    </StaffPage>
  );
}

export function PortalReferralPageView(props: {
  frame: StaffFrame;
  csrf: string;
  referral: PartnerReferralView;
}) {
  const l = props.frame.locale;
  const r = props.referral;
  const base = `/staff/partner/referrals/${r.id}`;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'referrals.portal.referral', { day: r.sentOn ?? '—' })}
      path={base}
    >
      <p>
        {m(l, 'referrals.col.state')}: <strong data-state={r.state}>{stateText(l, r.state)}</strong>
        {r.respondBy === null ? '' : ` · ${m(l, 'referrals.col.due')}: ${r.respondBy}`}
      </p>
      <PacketList locale={l} packet={r.packet} />
      {r.state === 'sent' ? (
        <form method="post" action={`${base}/respond?lang=${l}`}>
          <CsrfField token={props.csrf} />
          <fieldset>
            <legend>{m(l, 'referrals.field.decision')}</legend>
            <input type="radio" id="answer-accept" name="decision" value="accept" required />
            <label for="answer-accept">{m(l, 'referrals.portal.accept')}</label>
            <input type="radio" id="answer-decline" name="decision" value="decline" />
            <label for="answer-decline">{m(l, 'referrals.portal.decline')}</label>
          </fieldset>
          <Field locale={l} id="answer-reason" name="reason" label={m(l, 'referrals.field.reason')}>
            {(a) => <textarea {...a} rows={2} />}
          </Field>
          <button type="submit">{m(l, 'referrals.portal.answer')}</button>
        </form>
      ) : null}
      {r.state === 'accepted' ? (
        <form method="post" action={`${base}/progress?lang=${l}`}>
          <CsrfField token={props.csrf} />
          <input type="hidden" name="step" value="start" />
          <button type="submit">{m(l, 'referrals.portal.start')}</button>
        </form>
      ) : null}
      {r.state === 'in_progress' ? (
        <form method="post" action={`${base}/progress?lang=${l}`}>
          <CsrfField token={props.csrf} />
          <input type="hidden" name="step" value="complete" />
          <Field locale={l} id="outcome" name="outcome" label={m(l, 'referrals.portal.outcome')}>
            {(a) => <textarea {...a} rows={2} />}
          </Field>
          <button type="submit">{m(l, 'referrals.portal.complete')}</button>
        </form>
      ) : null}
      <h2>{m(l, 'referrals.portal.messages')}</h2>
      <ol class="timeline">
        {r.messages.map((msg, i) => (
          <li key={String(i)}>
            <strong>{msg.fromPartner ? m(l, 'referrals.from.partner') : m(l, 'referrals.from.staff')}</strong>{' '}
            · <time>{msg.at.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>
            <p class="note">{msg.body}</p>
          </li>
        ))}
      </ol>
      <form method="post" action={`${base}/message?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Field locale={l} id="portal-message" name="body" label={m(l, 'referrals.field.body')}>
          {(a) => <textarea {...a} rows={3} required />}
        </Field>
        <button type="submit">{m(l, 'referrals.case.message')}</button>
      </form>
    </StaffPage>
  );
}
