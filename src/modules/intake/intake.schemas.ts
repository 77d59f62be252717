import { z } from 'zod';
import { APPLICANT_TYPES } from '../../domain/applicant.ts';
import type { IntakeMessageKey } from './intake.messages.ts';

/**
 * What an applicant may tell us, from any channel. Everything is optional except the story
 * or at least one need. Free text is bounded, must be valid text (no control characters,
 * no U+FFFD left by invalid UTF-8) and is only ever rendered escaped.
 */
export { APPLICANT_TYPES };
/** The intake's country choices: where the applicant is now ('OTHER' asks for a region). */
export const COUNTRIES = [
  'RU',
  'BY',
  'UA',
  'KZ',
  'GE',
  'AM',
  'KG',
  'UZ',
  'TR',
  'RS',
  'AE',
  'MN',
  'OTHER',
] as const;
export const URGENCIES = ['hiding', 'date', 'soon', 'unsure'] as const;
export const DOCUMENTS = ['internal_passport', 'foreign_passport', 'military_id', 'none'] as const;
export const NEEDS = ['leave', 'legal', 'shelter', 'documents', 'talk'] as const;
export const CONTACTS = ['site', 'telegram', 'any'] as const;

export const STORY_MAX = 10_000;
export const MESSAGE_MAX = 5_000;
const REGION_MAX = 100;

// C0 controls except tab, LF, CR; DEL; C1 controls; U+FFFD (what invalid UTF-8 decodes to); lone surrogates.
const BAD_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in hostile input is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text: trimmed, bounded, no control characters or broken encoding. */
export function textField(max: number) {
  return z
    .string()
    .max(max * 2, 'too_long')
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .refine((s) => s.length <= max, 'too_long')
    .refine((s) => !BAD_TEXT.test(s), 'invalid');
}

export const answersSchema = z
  .strictObject({
    applicantType: z.enum(APPLICANT_TYPES, 'invalid').optional(),
    country: z.enum(COUNTRIES, 'invalid').optional(),
    region: textField(REGION_MAX).optional(),
    urgency: z.enum(URGENCIES, 'invalid').optional(),
    deadline: z.iso.date('date').optional(),
    documents: z.array(z.enum(DOCUMENTS, 'invalid')).max(DOCUMENTS.length, 'invalid').default([]),
    needs: z.array(z.enum(NEEDS, 'invalid')).max(NEEDS.length, 'invalid').default([]),
    story: textField(STORY_MAX).default(''),
    contact: z.enum(CONTACTS, 'invalid').optional(),
  })
  .superRefine((a, ctx) => {
    if (a.story === '' && a.needs.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['story'], message: 'story_or_need' });
    }
    if (new Set(a.documents).size !== a.documents.length || new Set(a.needs).size !== a.needs.length) {
      ctx.addIssue({ code: 'custom', path: ['needs'], message: 'invalid' });
    }
  });
export type IntakeAnswers = z.output<typeof answersSchema>;

/** zod issue message → translated field message key. */
export function fieldMessageKey(message: string): IntakeMessageKey {
  switch (message) {
    case 'too_long':
      return 'form.error.too_long';
    case 'date':
      return 'form.error.date';
    case 'story_or_need':
      return 'form.error.story_or_need';
    default:
      return 'form.error.invalid';
  }
}

/** Field name → message key, for the form and the API. */
export function fieldErrors(error: z.ZodError): Record<string, IntakeMessageKey> {
  const out: Record<string, IntakeMessageKey> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    out[field] ??= fieldMessageKey(issue.message);
  }
  return out;
}

const optionalChoice = z
  .string()
  .max(40)
  .transform((v) => (v === '' ? undefined : v));
const list = z
  .union([z.string().max(40), z.array(z.string().max(40)).max(10)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const token = z.string().max(300).default('');

/** The web form (application/x-www-form-urlencoded), before it is mapped onto answers. */
export const webFormSchema = z.object({
  // Issued by the server and MAC'd over the challenge (ADR 0091); checked in the service.
  form_token: z.string().regex(/^[A-Za-z0-9_-]{44}$/, 'expired'),
  pow_challenge: token,
  pow_solution: token,
  type: optionalChoice.optional(),
  country: optionalChoice.optional(),
  region: z
    .string()
    .max(REGION_MAX * 2, 'too_long')
    .default(''),
  urgency: optionalChoice.optional(),
  deadline: z.string().max(20).default(''),
  documents: list,
  needs: list,
  story: z
    .string()
    .max(STORY_MAX * 2, 'too_long')
    .default(''),
  contact: optionalChoice.optional(),
});
export type WebForm = z.output<typeof webFormSchema>;

/** Maps the parsed form onto the answers shape (empty strings mean "not given"). */
export function answersFromWebForm(form: WebForm): unknown {
  return {
    ...(form.type === undefined ? {} : { applicantType: form.type }),
    ...(form.country === undefined ? {} : { country: form.country }),
    ...(form.region.trim() === '' ? {} : { region: form.region }),
    ...(form.urgency === undefined ? {} : { urgency: form.urgency }),
    ...(form.deadline.trim() === '' ? {} : { deadline: form.deadline.trim() }),
    documents: form.documents,
    needs: form.needs,
    story: form.story,
    ...(form.contact === undefined ? {} : { contact: form.contact }),
  };
}

/** POST /api/v1/submissions body. */
export const partnerSubmissionSchema = answersSchema;

export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7E]{8,200}$/, 'invalid');

export const codenameFormSchema = z.object({
  _csrf: z.string().max(100).default(''),
  codename: z.string().max(80).default(''),
});
export const messageFormSchema = z.object({
  _csrf: z.string().max(100).default(''),
  body: z
    .string()
    .max(MESSAGE_MAX * 2)
    .default(''),
});

/**
 * Triage urgency from the answers (0 = routine … 3 = act now), shown to caseworkers to order
 * the queue. In hiding, or a date within 7 days, is 3; a date within 30 days, a deserter
 * or "within weeks" is 2; a date further off or a call-up risk is 1.
 */
export function computeUrgency(a: IntakeAnswers, today: string): 0 | 1 | 2 | 3 {
  let days: number | undefined;
  if (a.deadline !== undefined) {
    days = Math.round((Date.parse(a.deadline) - Date.parse(today)) / 86_400_000);
  }
  if (a.urgency === 'hiding') return 3;
  if (days !== undefined && days <= 7) return 3;
  if ((days !== undefined && days <= 30) || a.applicantType === 'deserter' || a.urgency === 'soon') return 2;
  if (days !== undefined || a.urgency === 'date' || a.applicantType === 'reservist') return 1;
  return 0;
}
