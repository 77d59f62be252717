import type { Locale } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  type FieldErrors,
  QrCode,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { type FederationMessageKey, federationMessages as fm } from './federation.messages.ts';
import type { PacketListRow } from './federation.repository.ts';
import type { IdentityCard, PeerView } from './federation.service.ts';

const translate = (locale: Locale, key: string) => fm(locale, key as FederationMessageKey);

function Subnav(props: { locale: Locale }) {
  const l = props.locale;
  return (
    <nav aria-label={fm(l, 'federation.nav')} class="workspace">
      <ul class="inline-list">
        <li>
          <a href={`/staff/federation?lang=${l}`}>{fm(l, 'federation.identity.title')}</a>
        </li>
        <li>
          <a href={`/staff/federation/peers?lang=${l}`}>{fm(l, 'federation.peers.title')}</a>
        </li>
        <li>
          <a href={`/staff/federation/packets?lang=${l}`}>{fm(l, 'federation.packets.title')}</a>
        </li>
      </ul>
    </nav>
  );
}

/** The identity page: fingerprint in groups, the card as a QR code and as text. */
export function IdentityPageView(props: { frame: StaffFrame; card: IdentityCard }) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={fm(l, 'federation.identity.title')}
      path="/staff/federation"
      subnav={<Subnav locale={l} />}
    >
      <h1>{fm(l, 'federation.identity.title')}</h1>
      <p>{fm(l, 'federation.identity.intro')}</p>
      <h2>{fm(l, 'federation.identity.fingerprint')}</h2>
      <p>
        <strong data-fingerprint={props.card.fingerprint}>
          <code>{props.card.fingerprint.split('-').join(' ')}</code>
        </strong>
      </p>
      <QrCode text={JSON.stringify(props.card)} label={fm(l, 'federation.identity.qr')} />
      <h2>
        <label for="identity-card">{fm(l, 'federation.identity.card')}</label>
      </h2>
      <textarea id="identity-card" readOnly rows={8} cols={70}>
        {JSON.stringify(props.card, null, 2)}
      </textarea>
      <p class="hint">{fm(l, 'federation.identity.keys')}</p>
    </StaffPage>
  );
}

export function PeersPageView(props: {
  frame: StaffFrame;
  csrf: string;
  peers: PeerView[];
  errors?: FieldErrors;
  values?: { label?: string; card?: string };
}) {
  const l = props.frame.locale;
  const m = (k: FederationMessageKey) => fm(l, k);
  return (
    <StaffPage
      frame={props.frame}
      title={m('federation.peers.title')}
      path="/staff/federation/peers"
      subnav={<Subnav locale={l} />}
    >
      <h1>{m('federation.peers.title')}</h1>
      <p>{m('federation.peers.rule')}</p>
      <DataTable<PeerView>
        rows={props.peers}
        rowKey={(p) => p.id}
        empty={m('federation.peers.none')}
        rowAttributes={(p) => ({ 'data-peer': p.id })}
        columns={[
          { key: 'label', header: m('federation.peers.label'), cell: (p) => p.label, rowHeader: true },
          { key: 'endpoint', header: m('federation.peers.endpoint'), cell: (p) => <code>{p.endpoint}</code> },
          {
            key: 'fingerprint',
            header: m('federation.identity.fingerprint'),
            cell: (p) => <code>{p.fingerprint.split('-').join(' ')}</code>,
          },
          {
            key: 'state',
            header: m('federation.peers.state'),
            cell: (p) => m(`federation.state.${p.state}`),
          },
          { key: 'added', header: m('federation.peers.added'), cell: (p) => p.addedOn },
          {
            key: 'actions',
            header: m('federation.peers.actions'),
            cell: (p) => (
              <>
                {p.state === 'unverified' ? (
                  <form method="post" action={`/staff/federation/peers/${p.id}/verify?lang=${l}`}>
                    <CsrfField token={props.csrf} />
                    <Field
                      locale={l}
                      id={`fp-${p.id}`}
                      name="fingerprint"
                      label={m('federation.peers.verify_label')}
                      translate={translate}
                    >
                      {(a) => <input {...a} autocomplete="off" maxLength={200} required />}
                    </Field>
                    <button type="submit">{m('federation.peers.verify')}</button>
                  </form>
                ) : null}
                {p.state === 'revoked' ? null : (
                  <form method="post" action={`/staff/federation/peers/${p.id}/revoke?lang=${l}`}>
                    <CsrfField token={props.csrf} />
                    <button type="submit">{m('federation.peers.revoke')}</button>
                  </form>
                )}
              </>
            ),
          },
        ]}
      />
      <h2>{m('federation.peers.add')}</h2>
      <form method="post" action={`/staff/federation/peers?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Field
          locale={l}
          id="peer-label"
          name="label"
          label={m('federation.peers.label')}
          errors={props.errors}
          translate={translate}
        >
          {(a) => <input {...a} maxLength={120} required value={props.values?.label ?? ''} />}
        </Field>
        <Field
          locale={l}
          id="peer-card"
          name="card"
          label={m('federation.peers.card')}
          errors={props.errors}
          translate={translate}
        >
          {(a) => (
            <textarea {...a} rows={8} cols={70} maxLength={4000} required>
              {props.values?.card ?? ''}
            </textarea>
          )}
        </Field>
        <button type="submit">{m('federation.peers.submit')}</button>
      </form>
    </StaffPage>
  );
}

function PacketTable(props: { locale: Locale; rows: PacketListRow[]; direction: 'in' | 'out' }) {
  const l = props.locale;
  const m = (k: FederationMessageKey) => fm(l, k);
  return (
    <DataTable<PacketListRow>
      rows={props.rows}
      rowKey={(p) => p.id}
      empty={m('federation.packets.none')}
      rowAttributes={(p) => ({ 'data-packet': p.id })}
      columns={[
        {
          key: 'when',
          header: m('federation.packets.when'),
          cell: (p) => p.createdAt.toISOString().slice(0, 16),
        },
        { key: 'peer', header: m('federation.packets.peer'), cell: (p) => p.peerLabel },
        { key: 'kind', header: m('federation.packets.kind'), cell: (p) => m(`federation.kind.${p.kind}`) },
        {
          key: 'ref',
          header: m('federation.packets.ref'),
          cell: (p) => <code>{(props.direction === 'out' ? p.localRef : p.remoteRef) ?? ''}</code>,
        },
        {
          key: 'state',
          header: m('federation.packets.state'),
          cell: (p) => m(`federation.packet.${p.state}`),
        },
      ]}
    />
  );
}

export function PacketsPageView(props: {
  frame: StaffFrame;
  outgoing: PacketListRow[];
  incoming: PacketListRow[];
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={fm(l, 'federation.packets.title')}
      path="/staff/federation/packets"
      subnav={<Subnav locale={l} />}
    >
      <h1>{fm(l, 'federation.packets.title')}</h1>
      <p class="hint">{fm(l, 'federation.packets.hint')}</p>
      <h2>{fm(l, 'federation.packets.outgoing')}</h2>
      <PacketTable locale={l} rows={props.outgoing} direction="out" />
      <h2>{fm(l, 'federation.packets.incoming')}</h2>
      <PacketTable locale={l} rows={props.incoming} direction="in" />
    </StaffPage>
  );
}
