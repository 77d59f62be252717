/**
 * The staff UI kit: every staff page is built from these (docs/ARCHITECTURE.md, "Staff pages").
 * Markup, classes and accessibility live here once; modules bring their own texts.
 */
export { CsrfField } from '../html.tsx';
export {
  Field,
  type FieldControlProps,
  FieldError,
  type FieldErrors,
  fieldAria,
  fieldErrorId,
  type TranslateKey,
} from './fields.tsx';
export { defineFlashes, type Flashes, redirectWithQuery } from './flash.ts';
export {
  ErrorSummary,
  Flash,
  type StaffFrame,
  type StaffFrameOptions,
  StaffNavBar,
  StaffPage,
  staffFrame,
} from './frame.tsx';
export {
  addStaffNav,
  provideStaffNav,
  resolveStaffNav,
  type StaffNavActor,
  type StaffNavEntry,
  type StaffNavModel,
  StaffNavRegistry,
  type StaffNavSession,
} from './nav.ts';
export { sendHtml } from './reply.ts';
export { type Column, DataTable, Pager, type Pagination } from './table.tsx';
export { renderingApp, renderScope, renderScoped } from './render-scope.ts';
export { QrCode } from './qr-code.tsx';
export { PostForm, Section, SelectField, TextAreaField } from './forms.tsx';
