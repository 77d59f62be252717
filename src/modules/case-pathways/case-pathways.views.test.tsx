import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { expectFieldErrorTie } from '../../../test/support/field-markup.ts';
import { formValuesFromBody } from './case-pathways.schemas.ts';
import { CheckForm } from './case-pathways.views.tsx';

/** The profile form's fields are the kit's `Field`: each error tied to its control by its `pw-` id. */
describe('the pathway profile form through the staff UI kit', () => {
  it('ties each error to its control and leaves the other controls unmarked', () => {
    const html = renderToString(
      <CheckForm
        locale="en"
        caseRef="ABC"
        csrf="c"
        values={formValuesFromBody({ adults: 'x' })}
        errors={{
          citizenship: 'case_pathways.field.country',
          adults: 'field.invalid',
          foreignPassportValidUntil: 'field.invalid',
          documents: 'field.invalid',
        }}
      />,
    );
    for (const [controlId, errorId] of [
      ['pw-citizenship', 'pw-citizenship-error'],
      ['pw-adults', 'pw-adults-error'],
      ['pw-passport', 'pw-foreignPassportValidUntil-error'],
    ] as const) {
      expectFieldErrorTie(html, controlId, errorId);
    }
    expect(html).toContain('<span class="error" id="pw-documents-error">');
    // A field without an error carries no aria-invalid and no description.
    expect(html).toContain(
      '<input id="pw-children" name="children" type="text" inputmode="numeric" maxlength="2" value/>',
    );
  });
});
