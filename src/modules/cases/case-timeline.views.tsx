import type { Locale } from '../../platform/i18n/index.ts';
import { minute } from '../case-access/index.ts';
import { timelineSource } from './case-extensions.ts';
import type { DocumentView, TimelineItem } from './case-file.service.ts';
import { CASE_STATUSES } from './case-workflow.ts';
import { type CasesMessageKey, casesMessages as m } from './cases.messages.ts';

/** The case timeline's entries and document links (escaped text only: a message holding HTML shows as text). */

/**
 * Where a document is downloaded: the intake module serves the blobs, always as an
 * attachment (decrypted, `Content-Disposition: attachment`, nosniff, never inline), audited.
 */
export function documentHref(ref: string, id: string, locale: Locale, original = false): string {
  return `/staff/intake/cases/${ref}/attachments/${id}?lang=${locale}${original ? '&original=1' : ''}`;
}

function kib(bytes: number): string {
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

export function DocumentLink(props: { locale: Locale; caseRef: string; doc: DocumentView }) {
  const l = props.locale;
  const d = props.doc;
  return (
    <>
      <a href={documentHref(props.caseRef, d.id, l)} download={d.name} class="document">
        {d.name}
      </a>{' '}
      <span class="muted">
        ({d.type.replace(/^.*\//, '').toUpperCase()}, {kib(d.size)})
      </span>
      {d.hasOriginal ? (
        <>
          {' · '}
          <a href={documentHref(props.caseRef, d.id, l, true)} download={d.name}>
            {m(l, 'cases.document.download_original')}
          </a>
        </>
      ) : null}
    </>
  );
}

export function TimelineEntry(props: { locale: Locale; item: TimelineItem; caseRef: string }) {
  const l = props.locale;
  const it = props.item;
  const who = ('by' in it ? it.by : null) ?? '—';
  switch (it.kind) {
    case 'message':
      return (
        <li class={`message-${it.direction}`}>
          <p>
            <strong>
              {it.direction === 'in'
                ? m(l, 'cases.timeline.message_in')
                : m(l, 'cases.timeline.message_out', { who })}
            </strong>{' '}
            · <time>{it.on}</time>
          </p>
          <p class="body">{it.body}</p>
        </li>
      );
    case 'note':
      return (
        <li class="note">
          <p>
            <strong>{m(l, 'cases.timeline.note', { who })}</strong> · <time>{minute(it.at)}</time>
          </p>
          <p class="body">{it.body}</p>
        </li>
      );
    case 'document':
      return (
        <li class="document">
          <p>
            <strong>
              {it.document.byStaff
                ? m(l, 'cases.timeline.document_staff', { who, name: it.document.name })
                : m(l, 'cases.timeline.document_in', { name: it.document.name })}
            </strong>{' '}
            · <time>{it.on}</time>
          </p>
          <p>
            <DocumentLink locale={l} caseRef={props.caseRef} doc={it.document} />
          </p>
        </li>
      );
    case 'task':
      return (
        <li class="task">
          <p>
            <strong>{m(l, 'cases.timeline.task', { who })}</strong> · <time>{minute(it.at)}</time>
          </p>
          <p>
            {m(l, `cases.task.${it.task.kind}` as CasesMessageKey)}: {it.task.title} ({it.task.dueOn})
          </p>
        </li>
      );
    case 'event': {
      const d = it.detail;
      const status = (s: string | null | undefined) =>
        s !== null && s !== undefined && (CASE_STATUSES as readonly string[]).includes(s)
          ? m(l, `cases.status.${s as (typeof CASE_STATUSES)[number]}`)
          : '—';
      const text =
        it.event === 'status'
          ? m(l, 'cases.timeline.status', { who, from: status(d.from), to: status(d.to) })
          : it.event === 'created'
            ? m(l, 'cases.timeline.created')
            : m(l, `cases.timeline.${it.event}`, { who });
      return (
        <li class="event">
          <p>
            <strong>{text}</strong> · <time>{minute(it.at)}</time>
          </p>
          {d.closingReason ? <p>{m(l, `cases.closing.${d.closingReason}` as CasesMessageKey)}</p> : null}
          {d.reason ? <p class="body">{d.reason}</p> : null}
        </li>
      );
    }
    default:
      // An entry of a registered source (case pathways' saved checks) renders itself.
      return timelineSource(it.kind)?.render(l, it) ?? null;
  }
}
