import { CsrfField, DataTable, Field, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { DueRow } from './retention.repository.ts';
import { retentionMessages as m } from './retention.messages.ts';
import { type RetentionOverview, rulesText } from './retention.service.ts';

export function RetentionPage(props: { frame: StaffFrame; csrf: string; overview: RetentionOverview }) {
  const l = props.frame.locale;
  const o = props.overview;
  return (
    <StaffPage frame={props.frame} title={m(l, 'retention.title')} path="/staff/admin/retention">
      <section aria-labelledby="due-h" id="due">
        <h2 id="due-h">{m(l, 'retention.due')}</h2>
        <DataTable<DueRow>
          rows={o.due}
          rowKey={(r) => r.id}
          rowAttributes={(r) => ({ 'data-ref': r.ref })}
          empty={m(l, 'retention.due_none')}
          columns={[
            { key: 'ref', header: m(l, 'retention.col.ref'), cell: (r) => r.ref },
            {
              key: 'state',
              header: m(l, 'retention.col.state'),
              cell: (r) => (r.closing_reason === null ? r.status : `${r.status}/${r.closing_reason}`),
            },
            { key: 'on', header: m(l, 'retention.col.on'), cell: (r) => r.erase_on },
          ]}
        />
      </section>
      <section aria-labelledby="rules-h">
        <h2 id="rules-h">{m(l, 'retention.rules')}</h2>
        {o.rules.length === 0 ? (
          <p>{m(l, 'retention.rules_none')}</p>
        ) : (
          <pre id="rules">{rulesText(o.rules)}</pre>
        )}
        <form method="post" action={`/staff/admin/retention/rules?lang=${l}`} class="stack">
          <CsrfField token={props.csrf} />
          <p class="notice">{m(l, 'retention.rules_help')}</p>
          <Field locale={l} id="rules-text" name="rules" label={m(l, 'retention.rules')}>
            {(a) => (
              <textarea {...a} rows={6}>
                {rulesText(o.rules)}
              </textarea>
            )}
          </Field>
          <button type="submit">{m(l, 'retention.rules_request')}</button>
        </form>
      </section>
      <section aria-labelledby="holds-h">
        <h2 id="holds-h">{m(l, 'retention.holds')}</h2>
        {o.holds.length === 0 ? (
          <p>{m(l, 'retention.holds_none')}</p>
        ) : (
          <ul>
            {o.holds.map((h) => (
              <li key={h.ref} data-hold={h.ref}>
                {h.ref}{' '}
                <form method="post" action={`/staff/admin/retention/holds/${h.ref}/lift?lang=${l}`}>
                  <CsrfField token={props.csrf} />
                  <button type="submit">{m(l, 'retention.hold_lift')}</button>
                </form>
              </li>
            ))}
          </ul>
        )}
        <form method="post" action={`/staff/admin/retention/holds?lang=${l}`} class="stack">
          <CsrfField token={props.csrf} />
          <Field locale={l} id="hold-ref" name="ref" label={m(l, 'retention.col.ref')}>
            {(a) => <input {...a} required />}
          </Field>
          <button type="submit">{m(l, 'retention.hold_place')}</button>
        </form>
      </section>
    </StaffPage>
  );
}
