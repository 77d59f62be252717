import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { expectFieldErrorTie } from '../../../test/support/field-markup.ts';
import { BreakGlassForm } from './case-access.views.tsx';
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
