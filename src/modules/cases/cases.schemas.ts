import { z } from 'zod';
import { CASE_APPLICANT_TYPES as APPLICANT_TYPES } from '../../domain/applicant.ts';
import { caseRefSchema, uuidSchema } from '../case-access/index.ts';
import { CASE_STATUSES, CLOSING_REASONS, OPEN_STATUSES } from './case-workflow.ts';

/**
 * Input schemas of the workspace. Forms arrive as url-encoded strings; every field is
 * bounded. Errors name the field and a message key of cases.messages.ts.
 */
export { APPLICANT_TYPES };

export const TASK_KINDS = [
  'summons',
  'visa_free_end',
  'asylum_interview',
  'document',
  'call',
  'other',
] as const;

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === '' ? undefined : v));

const versionSchema = z.coerce.number().int().min(1).max(2_000_000_000);
const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Kinds of identity document the case file offers (ADR 0182); older entries keep their free text as type. */
export const DOCUMENT_TYPES = [
  'internal_passport',
  'international_passport',
  'military_id',
  'birth_certificate',
  'residence_permit',
  'refugee_document',
  'driving_licence',
  'other',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

/** A real calendar day (2026-02-30 is not one), as YYYY-MM-DD. */
const realDaySchema = daySchema.refine((v) => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
});
// Control characters (and bidirectional overrides, which can disguise a number) are refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in hostile input is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const plainText = (max: number) => text(max).refine((v) => !CONTROL.test(v));

/**
 * An identity document (ADR 0182): `type` is one of DOCUMENT_TYPES, or the free text of an
 * entry written before documents were structured (still shown as written); `number` is what
 * linkage and search compare; country and validity are optional.
 */
export const identityDocumentSchema = z
  .object({
    type: plainText(60),
    number: plainText(60).min(1),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    issuedOn: realDaySchema.optional(),
    validUntil: realDaySchema.optional(),
  })
  .refine((d) => d.issuedOn === undefined || d.validUntil === undefined || d.issuedOn <= d.validUntil, {
    path: ['validUntil'],
  });
export type IdentityDocument = z.infer<typeof identityDocumentSchema>;
export const familyMemberSchema = z.object({ relation: text(60), name: text(200).min(1) });

/** The person's details: everything here is encrypted with the case key. */
export const personSchema = z.object({
  givenName: optionalText(200),
  familyName: optionalText(200),
  patronymic: optionalText(200),
  givenNameLatin: optionalText(200),
  familyNameLatin: optionalText(200),
  birthDate: z
    .string()
    .trim()
    .regex(/^(\d{4}(-\d{2}(-\d{2})?)?)?$/)
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  phone: optionalText(40),
  location: optionalText(200),
  documents: z.array(identityDocumentSchema).max(20).default([]),
  family: z.array(familyMemberSchema).max(30).default([]),
});
export type PersonDetails = z.infer<typeof personSchema>;

/** Answers from intake, as question → answer; edited by staff as a whole. */
export const intakeAnswersSchema = z.record(text(100), text(4000)).default({});
export type IntakeAnswers = z.infer<typeof intakeAnswersSchema>;

export const newCaseSchema = z.object({
  person: personSchema.prefault({}),
  story: z.string().max(20_000).default(''),
  answers: intakeAnswersSchema,
  urgency: z.number().int().min(0).max(3).default(0),
  applicantType: z.enum(APPLICANT_TYPES).default('unknown'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
});
export type NewCaseInput = z.input<typeof newCaseSchema>;

/** "type: number" lines and "relation: name" lines, as the no-JavaScript form sends them. */
function parseLines(value: string): Array<[string, string]> {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const i = l.indexOf(':');
      return i < 0 ? ['', l] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    });
}

/** A repeated form field: one string, or several (at most 21 rows), as the form body parser gives them. */
const formList = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(21)])
  .default([])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/** The structured document rows of the person form; rows left wholly empty are skipped. */
function documentRows(f: {
  docType: string[];
  docNumber: string[];
  docCountry: string[];
  docIssued: string[];
  docUntil: string[];
}): Array<Record<string, string | undefined>> {
  const rows = Math.max(f.docType.length, f.docNumber.length);
  const out: Array<Record<string, string | undefined>> = [];
  const at = (list: string[], i: number) => {
    const v = (list[i] ?? '').trim();
    return v === '' ? undefined : v;
  };
  for (let i = 0; i < rows; i++) {
    const number = at(f.docNumber, i);
    const country = at(f.docCountry, i)?.toUpperCase();
    const issuedOn = at(f.docIssued, i);
    const validUntil = at(f.docUntil, i);
    // A row with only its type chosen (the select always sends one) and nothing else is empty.
    if (number === undefined && country === undefined && issuedOn === undefined && validUntil === undefined) {
      continue;
    }
    out.push({ type: at(f.docType, i) ?? 'other', number: number ?? '', country, issuedOn, validUntil });
  }
  return out;
}

export const personFormSchema = z
  .object({
    version: versionSchema,
    givenName: z.string().default(''),
    familyName: z.string().default(''),
    patronymic: z.string().default(''),
    givenNameLatin: z.string().default(''),
    familyNameLatin: z.string().default(''),
    birthDate: z.string().default(''),
    phone: z.string().default(''),
    location: z.string().default(''),
    documents: z.string().max(4000).default(''),
    // The structured rows of the identity documents (one value per row, in row order).
    docType: formList,
    docNumber: formList,
    docCountry: formList,
    docIssued: formList,
    docUntil: formList,
    family: z.string().max(8000).default(''),
    country: z.string().trim().toUpperCase().default(''),
    applicantType: z.enum(APPLICANT_TYPES).default('unknown'),
    urgency: z.coerce.number().int().min(0).max(3).default(0),
  })
  .transform((f, ctx) => {
    const person = personSchema.safeParse({
      givenName: f.givenName,
      familyName: f.familyName,
      patronymic: f.patronymic,
      givenNameLatin: f.givenNameLatin,
      familyNameLatin: f.familyNameLatin,
      birthDate: f.birthDate,
      phone: f.phone,
      location: f.location,
      documents: [...documentRows(f), ...parseLines(f.documents).map(([type, number]) => ({ type, number }))],
      family: parseLines(f.family).map(([relation, name]) => ({ relation, name })),
    });
    if (!person.success) {
      for (const issue of person.error.issues) {
        ctx.addIssue({ code: 'custom', path: [String(issue.path[0] ?? 'person')], message: 'field.invalid' });
      }
      return z.NEVER;
    }
    if (f.country !== '' && !/^[A-Z]{2}$/.test(f.country)) {
      ctx.addIssue({ code: 'custom', path: ['country'], message: 'field.invalid' });
      return z.NEVER;
    }
    return {
      version: f.version,
      person: person.data,
      country: f.country === '' ? null : f.country,
      applicantType: f.applicantType,
      urgency: f.urgency,
    };
  });

export const intakeFormSchema = z.object({
  version: versionSchema,
  answers: z.string().max(40_000).default(''),
});
export function parseAnswers(value: string): IntakeAnswers {
  return Object.fromEntries(parseLines(value).filter(([q]) => q !== ''));
}

export const transitionFormSchema = z.object({
  version: versionSchema,
  to: z.enum(CASE_STATUSES),
  closingReason: z
    .enum(CLOSING_REASONS)
    .or(z.literal(''))
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  reason: text(500).default(''),
});

export const assignFormSchema = z.object({
  version: versionSchema,
  teamId: z
    .union([uuidSchema, z.literal('')])
    .default('')
    .transform((v) => (v === '' ? null : v)),
  assigneeId: z
    .union([uuidSchema, z.literal('')])
    .default('')
    .transform((v) => (v === '' ? null : v)),
});

export const noteFormSchema = z.object({ body: text(20_000).min(1) });
export const replyFormSchema = z.object({ body: text(20_000).min(1) });
/** The reply box saved as a draft, with a template to insert (the "insert" button) or not. */
export const draftFormSchema = z
  .object({
    body: z.string().max(20_000).default(''),
    template: z.string().max(40).default(''),
    tlang: z.string().max(5).default(''),
    op: z.enum(['insert', 'save']).default('save'),
  })
  .transform((f) => ({ ...f, insert: f.op === 'insert' }));

export const taskFormSchema = z.object({
  kind: z.enum(TASK_KINDS),
  title: text(500).min(1),
  dueOn: daySchema,
  assigneeId: z
    .union([uuidSchema, z.literal('')])
    .default('')
    .transform((v) => (v === '' ? null : v)),
});

export const bulkExportFormSchema = z.object({
  refs: z
    .string()
    .max(5000)
    .transform((v) => [
      ...new Set(
        v
          .split(/[\s,;]+/)
          .filter((s) => s !== '')
          .map((s) => s.toUpperCase()),
      ),
    ])
    .pipe(z.array(caseRefSchema).min(1).max(100)),
  reason: text(500).min(10),
});

/** The queue's built-in saved views and sortable columns (issue 21 item 2, ADR 0184). */
export const QUEUE_VIEWS = ['mine', 'waiting', 'overdue'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];
export const QUEUE_SORTS = ['age', 'urgency', 'activity', 'country'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export const queueQuerySchema = z.object({
  status: z
    .enum(OPEN_STATUSES as [string, ...string[]])
    .optional()
    .catch(undefined),
  type: z.enum(APPLICANT_TYPES).optional().catch(undefined),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional()
    .catch(undefined),
  assignee: z
    .union([z.literal('me'), z.literal('none'), uuidSchema])
    .optional()
    .catch(undefined),
  team: uuidSchema.optional().catch(undefined),
  waiting: z.literal('1').optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
  // Issue 21 item 2 (ADR 0184): allow-listed; anything else is a translated 400, never SQL.
  view: z.enum(QUEUE_VIEWS).optional(),
  sort: z.enum(QUEUE_SORTS).optional(),
  dir: z.enum(['asc', 'desc']).optional(),
});
export type QueueQuery = z.infer<typeof queueQuerySchema>;

export const searchQuerySchema = z.object({ q: text(200).default('') });
/** 'text': free-text search over the story and messages within the reader's scope (ADR 0185). */
export const searchModeSchema = z.enum(['identity', 'text']);
export type SearchMode = z.infer<typeof searchModeSchema>;
