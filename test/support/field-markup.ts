import { expect } from 'vitest';

/**
 * Asserts that rendered HTML ties a field's error to its control, as the staff UI kit's
 * `Field` does: a label for the control, `aria-invalid` and `aria-describedby` on the control
 * (input, select or text area), and the error span with that id.
 */
export function expectFieldErrorTie(html: string, controlId: string, errorId: string): void {
  expect(html).toContain(`<label for="${controlId}">`);
  expect(html).toMatch(
    new RegExp(
      `<(input|select|textarea) id="${controlId}"[^>]*aria-invalid="true" aria-describedby="${errorId}"`,
    ),
  );
  expect(html).toContain(`<span class="error" id="${errorId}">`);
}
