import type { CustodyAction } from '../../db/types.ts';
import { DataTable, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { ConsentRecord } from './consent.service.ts';
import { evidenceMessages as m } from './evidence.messages.ts';
import type { ItemSummary } from './evidence.service.ts';
import type { CustodyEvent } from './custody-chain.ts';

type Grid = Array<{
  itemId: string;
  destination: ConsentRecord['destination'];
  consent: ConsentRecord | null;
}>;

/** The evidence of one case: items with their arrival hashes, and the consent grid. */
export function EvidenceCasePage(props: {
  frame: StaffFrame;
  caseRef: string;
  items: ItemSummary[];
  grid: Grid;
}) {
  const l = props.frame.locale;
  const title = m(l, 'evidence.case.title', { ref: props.caseRef });
  return (
    <StaffPage frame={props.frame} title={title} path={`/staff/evidence/cases/${props.caseRef}`}>
      <p>{m(l, 'evidence.case.intro')}</p>
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
      <p>{m(l, 'evidence.verify.hint')}</p>
    </StaffPage>
  );
}

/** One item's custody, from arrival to now, with the reasons. */
export function CustodyPage(props: {
  frame: StaffFrame;
  itemId: string;
  events: Array<CustodyEvent & { reason: string | null }>;
  label: (id: string) => string;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage
      frame={props.frame}
      title={m(l, 'evidence.custody.title')}
      path={`/staff/evidence/items/${props.itemId}`}
    >
      <p>
        <code>{props.events[0]?.itemSha256}</code>
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
    </StaffPage>
  );
}
