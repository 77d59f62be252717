import type { Locale } from '../../platform/i18n/index.ts';
import { DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import { auditActionLabel, auditAreaLabel, NAMED_AUDIT_ACTIONS } from '../audit/index.ts';
import { am } from './admin.messages.ts';
import type { AuditFilter, AuditPageView, AuditRowView } from './audit-viewer.ts';

/** The query string of a filter (and a page), for the paging links. */
function queryOf(locale: Locale, filter: AuditFilter, before?: number): string {
  const q = new URLSearchParams({ lang: locale });
  for (const [k, v] of Object.entries({ ...filter, before })) {
    if (v !== undefined && k !== 'before') q.set(k, String(v));
  }
  if (before !== undefined) q.set('before', String(before));
  return q.toString();
}

const at = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

/** The audit-log viewer (issue 21 item 4, ADR 0191): filters in one form (GET), then the entries. */
export function AuditLogPage(props: { frame: StaffFrame; view: AuditPageView }) {
  const l = props.frame.locale;
  const { filter, rows } = props.view;
  // Every action the code writes (ADR 0208), grouped by area, each group and action by name.
  const byArea = new Map<string, string[]>();
  for (const a of NAMED_AUDIT_ACTIONS) {
    const area = auditAreaLabel(l, a.split('.')[0]!);
    byArea.set(area, [...(byArea.get(area) ?? []), a]);
  }
  const actions = [...byArea]
    .map(([area, list]) => ({
      area,
      options: list
        .map((a) => ({ value: a, label: auditActionLabel(l, a) }))
        .sort((a, b) => a.label.localeCompare(b.label, l)),
    }))
    .sort((a, b) => a.area.localeCompare(b.area, l));
  return (
    <StaffPage frame={props.frame} title={am(l, 'admin.audit_title')} path="/staff/admin/audit">
      <form method="get" action="/staff/admin/audit" class="filters" id="audit-filters">
        <input type="hidden" name="lang" value={l} />
        <Field locale={l} id="audit-actor" name="actor" label={am(l, 'admin.audit_actor')}>
          {(a) => (
            <select {...a}>
              <option value="">{am(l, 'admin.audit_any')}</option>
              {props.view.actors.map((o) => (
                <option value={o.value} key={o.value} selected={filter.actor === o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field locale={l} id="audit-action" name="action" label={am(l, 'admin.audit_action')}>
          {(a) => (
            <select {...a}>
              <option value="">{am(l, 'admin.audit_any')}</option>
              {actions.map((g) => (
                <optgroup label={g.area} key={g.area}>
                  {g.options.map((o) => (
                    <option value={o.value} key={o.value} selected={filter.action === o.value}>
                      {o.label}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          )}
        </Field>
        <Field locale={l} id="audit-case" name="case" label={am(l, 'admin.audit_case')}>
          {(a) => <input {...a} value={filter.case ?? ''} maxlength={12} autocomplete="off" />}
        </Field>
        <Field locale={l} id="audit-from" name="from" label={am(l, 'admin.audit_from')}>
          {(a) => <input {...a} type="date" value={filter.from ?? ''} />}
        </Field>
        <Field locale={l} id="audit-to" name="to" label={am(l, 'admin.audit_to')}>
          {(a) => <input {...a} type="date" value={filter.to ?? ''} />}
        </Field>
        <button type="submit">{am(l, 'admin.audit_apply')}</button>
      </form>
      <DataTable<AuditRowView>
        id="audit-entries"
        caption={am(l, 'admin.audit_title')}
        rows={rows}
        rowKey={(r) => String(r.seq)}
        empty={am(l, 'admin.audit_none')}
        columns={[
          {
            key: 'at',
            header: am(l, 'admin.audit_at'),
            cell: (r) => <time datetime={r.at.toISOString()}>{at(r.at)}</time>,
          },
          { key: 'who', header: am(l, 'admin.audit_actor'), cell: (r) => r.who },
          { key: 'action', header: am(l, 'admin.audit_action'), cell: (r) => r.action },
          { key: 'target', header: am(l, 'admin.audit_target'), cell: (r) => r.target },
          { key: 'reason', header: am(l, 'admin.audit_reason'), cell: (r) => r.reason },
        ]}
        pagination={{
          label: am(l, 'admin.audit_pages'),
          previous:
            filter.before === undefined
              ? undefined
              : { href: `/staff/admin/audit?${queryOf(l, filter)}`, label: am(l, 'admin.audit_newest') },
          next:
            props.view.nextBefore === null
              ? undefined
              : {
                  href: `/staff/admin/audit?${queryOf(l, filter, props.view.nextBefore)}`,
                  label: am(l, 'admin.audit_older'),
                },
        }}
      />
    </StaffPage>
  );
}
