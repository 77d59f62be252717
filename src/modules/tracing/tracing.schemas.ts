import { z } from 'zod';

/**
 * Input of the tracing pages, parsed at the route (zod). Every text is bounded; control
 * characters other than line breaks and tabs are refused (nothing that arrives is trusted).
 */
export const RELATIONSHIPS = ['mother', 'father', 'partner', 'sibling', 'child', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];
export const CONSENT_METHODS = ['inbox', 'in_person', 'phone', 'written'] as const;
/** What a sought person may allow to be passed on. */
export const CONSENT_ITEMS = ['alive', 'message', 'contact'] as const;
export type ConsentItem = (typeof CONSENT_ITEMS)[number];

/** C1 controls, U+FFFD (what broken UTF-8 decodes to) and lone surrogates: never stored. */
const BROKEN = /[\u0080-\u009F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A control character other than tab, line feed and carriage return, or broken text. */
function hasControl(v: string): boolean {
  if (BROKEN.test(v)) return true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}
const text = (max: number) =>
  z
    .string()
    .max(max, 'field.too_long')
    .refine((v) => !hasControl(v), 'field.invalid')
    .transform((v) => v.trim())
    .default('');
const oneLine = (max: number) => text(max).refine((v) => !/[\r\n]/.test(v), 'field.invalid');
const birthDate = z
  .string()
  .trim()
  .max(10, 'field.invalid')
  .regex(/^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)?$/, 'field.date')
  .default('');

/** Each text field of a request, checked alone (the Telegram bot checks every answer as it comes). */
export const requestFormShape = {
  family_name: oneLine(100),
  given_name: oneLine(100),
  patronymic: oneLine(100),
  birth_date: birthDate,
  unit: oneLine(200),
  last_place: oneLine(200),
  last_contact: oneLine(200),
  safe_contact: text(1000),
};

/** What a family member tells about the person they look for, and about themselves. */
export const requestFormSchema = z
  .object({
    _csrf: z.string().max(200).default(''),
    ...requestFormShape,
    relationship: z.enum(RELATIONSHIPS, { message: 'field.required' }),
  })
  .superRefine((f, c) => {
    if (f.family_name === '' && f.given_name === '') {
      c.addIssue({ code: 'custom', path: ['family_name'], message: 'field.name_required' });
    }
  });
export type RequestForm = z.infer<typeof requestFormSchema>;

/** A caseworker records a request on a family case: the same form, with the case's reference. */
export const staffRequestFormSchema = z.object({ case: z.string().max(20).default('') });

/** The sought person's answer, recorded by a caseworker on his case. */
export const consentFormSchema = z
  .object({
    decision: z.enum(['given', 'refused'], { message: 'field.required' }),
    method: z.enum(CONSENT_METHODS, { message: 'field.required' }),
    allows: z
      .union([z.enum(CONSENT_ITEMS), z.array(z.enum(CONSENT_ITEMS)).max(3)])
      .optional()
      .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v])),
    message: text(2000),
    contact: text(500),
  })
  .superRefine((f, c) => {
    if (f.decision !== 'given') return;
    if (f.allows.length === 0) c.addIssue({ code: 'custom', path: ['allows'], message: 'field.allows' });
    if (f.allows.includes('message') && f.message === '')
      c.addIssue({ code: 'custom', path: ['message'], message: 'field.required' });
    if (f.allows.includes('contact') && f.contact === '')
      c.addIssue({ code: 'custom', path: ['contact'], message: 'field.required' });
  });
export type ConsentForm = z.infer<typeof consentFormSchema>;

export const relayFormSchema = z.object({ message: text(2000).refine((v) => v !== '', 'field.required') });
export const idSchema = z.string().uuid();
