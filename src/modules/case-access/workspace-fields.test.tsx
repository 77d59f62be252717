import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { expectFieldErrorTie } from '../../../test/support/field-markup.ts';
import { labelAccessEntries } from './access-log.service.ts';
import { AccessLogTable, BreakGlassForm } from './case-access.views.tsx';
import { Field, Select } from './workspace-frame.tsx';

/**
 * The case pages' fields are the kit's `Field`: each error is tied to its control by id
 * (`aria-describedby`), with the ids the pages always had.
 */

describe('workspace fields through the staff UI kit', () => {
  it('ties the break-glass form errors to their fields (bg-ref-error, bg-reason-error)', () => {
    const html = renderToString(
      <BreakGlassForm
        locale="en"
        csrf="c"
        refValue="X"
        errors={{ ref: 'field.invalid', reason: 'field.required' }}
      />,
    );
    expectFieldErrorTie(html, 'bg-ref', 'bg-ref-error');
    expectFieldErrorTie(html, 'bg-reason', 'bg-reason-error');
    expect(html).toContain('This field is required.');
  });

  it('ties a select error and an error of a field whose id does not end with its name', () => {
    const errors = { to: 'field.invalid', dueOn: 'field.invalid' };
    const html = renderToString(
      <div>
        <Select
          id="status-to"
          name="to"
          label="To"
          value=""
          options={[['a', 'A']]}
          locale="en"
          errors={errors}
        />
        <Field id="task-due" name="dueOn" idPrefix="task-" label="Due" locale="en" errors={errors} />
      </div>,
    );
    expectFieldErrorTie(html, 'status-to', 'status-to-error');
    expectFieldErrorTie(html, 'task-due', 'task-dueOn-error');
  });

  it('shows no error markup for a field without an error', () => {
    const html = renderToString(
      <Field id="q" name="q" label="Q" locale="en" errors={{ other: 'field.invalid' }} />,
    );
    expect(html).toBe('<div><label for="q">Q</label><input id="q" name="q" type="text" value/></div>');
  });
});

describe('the case access log (issue 21 item 4)', () => {
  it('shows readable labels: translated actions and actors, never a stored code or a UUID', () => {
    const colleague = '11111111-2222-4333-8444-555555555555';
    const gone = '99999999-2222-4333-8444-555555555555';
    const entries = labelAccessEntries(
      [
        { at: new Date(0), actor: colleague, action: 'case.read', reason: null },
        { at: new Date(0), actor: gone, action: 'case.break_glass', reason: `approval ${gone}` },
        { at: new Date(0), actor: 'applicant', action: 'tracing.relay', reason: null },
        // An entry of an action no longer written (ADR 0208): shown by its area.
        { at: new Date(0), actor: 'applicant', action: 'tracing.retired_step', reason: null },
      ],
      new Map([[colleague, 'ana@example.org']]),
    );
    const html = renderToString(<AccessLogTable locale="uk" entries={entries} />);
    expect(html).toContain('ana@example.org');
    expect(html).toContain('Перегляд справи');
    expect(html).toContain('Екстрений доступ');
    expect(html).toContain('Колишній обліковий запис');
    expect(html).toContain('Заявник');
    expect(html).toContain('Повідомлення передано');
    expect(html).toContain('Розшук: інша дія');
    for (const raw of [
      'case.read',
      'case.break_glass',
      'tracing.relay',
      'tracing.retired_step',
      gone,
      '>applicant<',
    ]) {
      expect(html).not.toContain(raw);
    }
  });
});
