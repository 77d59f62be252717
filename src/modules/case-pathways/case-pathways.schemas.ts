import { z } from 'zod';
import {
  applicantTypes,
  documentKinds,
  frontLocation,
  isCountryCode,
  isoDateSchema,
  localeSchema,
  optionKinds,
  type Profile,
  profileSchema,
  riskLevels,
  warningLevels,
} from '../pathways/index.ts';

/**
 * Input of the pathway check on a case. The staff form arrives url-encoded: every field is a
 * bounded string (or a short array of them, for repeated checkboxes) and is checked against a
 * closed list; a problem names the field and a message key of case-pathways.messages.ts. The
 * result is the pathways module's own `Profile`, so the engine sees exactly what the CLI and the
 * applicant self-check see.
 */

/** Circumstances a staff member ticks (checkbox names = profile fields). */
export const PATHWAY_FLAGS = [
  'hasLeftUnit',
  'criminalCaseOpened',
  'onWantedList',
  'calledUp',
  'lawOfReturnEligible',
  'passportInvalidated',
  'summonsPosted',
] as const;
export type PathwayFlag = (typeof PATHWAY_FLAGS)[number];

/** The form's values as strings, to fill the form again (prefilled or as submitted). */
export interface CheckFormValues {
  citizenship: string;
  location: string;
  applicantType: string;
  documents: string[];
  foreignPassportValidUntil: string;
  flags: Record<PathwayFlag, boolean>;
  adults: string;
  children: string;
  /** Optional numbers, as typed ('' when unknown). */
  age: string;
  daysInLocation: string;
  lawfulStayDaysLeft: string;
}

const country = z
  .string({ error: 'case_pathways.field.country' })
  .max(2, 'case_pathways.field.country')
  .refine(isCountryCode, 'case_pathways.field.country');
/** Where the person is: a country, or the front / occupied Ukraine (ADR 0097). */
const location = z
  .string({ error: 'case_pathways.field.country' })
  .max(5, 'case_pathways.field.country')
  .refine((v) => v === frontLocation || isCountryCode(v), 'case_pathways.field.country');
/** An optional whole number ('' = unknown). */
const optionalNumber = (max: number, message: 'case_pathways.field.days' | 'case_pathways.field.age') =>
  z
    .string({ error: message })
    .max(5, message)
    .regex(/^\d{0,5}$/, message)
    .default('')
    .transform((v) => (v === '' ? undefined : Number(v)))
    .refine((n) => n === undefined || n <= max, message);
const flag = z
  .union([z.literal('1'), z.literal('on')])
  .optional()
  .transform((v) => v !== undefined);
const count = z
  .string({ error: 'case_pathways.field.count' })
  .max(2, 'case_pathways.field.count')
  .regex(/^\d{0,2}$/, 'case_pathways.field.count')
  .default('0')
  .transform((v) => (v === '' ? 0 : Number(v)))
  .refine((n) => n <= 20, 'case_pathways.field.count');

export const checkFormSchema = z.object({
  citizenship: country,
  location,
  applicantType: z.enum(applicantTypes, 'case_pathways.field.type'),
  documents: z
    .union([z.string().max(40), z.array(z.string().max(40)).max(documentKinds.length)], {
      error: 'case_pathways.field.documents',
    })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(
      z
        .array(z.enum(documentKinds, 'case_pathways.field.documents'))
        .refine((d) => new Set(d).size === d.length, 'case_pathways.field.documents'),
    ),
  foreignPassportValidUntil: z
    .string({ error: 'case_pathways.field.date' })
    .max(10, 'case_pathways.field.date')
    .default('')
    .refine((v) => v === '' || isoDateSchema.safeParse(v).success, 'case_pathways.field.date'),
  hasLeftUnit: flag,
  criminalCaseOpened: flag,
  onWantedList: flag,
  calledUp: flag,
  lawOfReturnEligible: flag,
  passportInvalidated: flag,
  summonsPosted: flag,
  adults: count,
  children: count,
  age: optionalNumber(120, 'case_pathways.field.age'),
  daysInLocation: optionalNumber(36_500, 'case_pathways.field.days'),
  lawfulStayDaysLeft: optionalNumber(36_500, 'case_pathways.field.days'),
});

/** The save form adds the knowledge base version the staff member saw. */
export const saveFormSchema = checkFormSchema.extend({
  contentVersion: z.string().regex(/^[0-9a-f]{64}$/, 'field.invalid'),
});

/** A parsed form → the engine's profile, in the staff member's language. */
export function profileFromForm(
  form: z.output<typeof checkFormSchema>,
  language: z.infer<typeof localeSchema>,
): Profile {
  return profileSchema.parse({
    citizenship: form.citizenship,
    applicantType: form.applicantType,
    location: form.location,
    documents: form.documents,
    ...(form.foreignPassportValidUntil === ''
      ? {}
      : { foreignPassportValidUntil: form.foreignPassportValidUntil }),
    hasLeftUnit: form.hasLeftUnit,
    criminalCaseOpened: form.criminalCaseOpened,
    onWantedList: form.onWantedList,
    calledUp: form.calledUp,
    lawOfReturnEligible: form.lawOfReturnEligible,
    passportInvalidated: form.passportInvalidated,
    summonsPosted: form.summonsPosted,
    family: { adults: form.adults, children: form.children },
    language,
    ...(form.age === undefined ? {} : { age: form.age }),
    ...(form.daysInLocation === undefined ? {} : { daysInLocation: form.daysInLocation }),
    ...(form.lawfulStayDaysLeft === undefined ? {} : { lawfulStayDaysLeft: form.lawfulStayDaysLeft }),
  });
}

/** A profile → the form's string values (to show a saved profile in the form again). */
export function formValuesFromProfile(profile: Profile): CheckFormValues {
  return {
    citizenship: profile.citizenship,
    location: profile.location,
    applicantType: profile.applicantType,
    documents: [...profile.documents],
    foreignPassportValidUntil: profile.foreignPassportValidUntil ?? '',
    flags: {
      hasLeftUnit: profile.hasLeftUnit,
      criminalCaseOpened: profile.criminalCaseOpened,
      onWantedList: profile.onWantedList,
      calledUp: profile.calledUp,
      lawOfReturnEligible: profile.lawOfReturnEligible,
      passportInvalidated: profile.passportInvalidated,
      summonsPosted: profile.summonsPosted,
    },
    adults: String(profile.family.adults),
    children: String(profile.family.children),
    age: profile.age === undefined ? '' : String(profile.age),
    daysInLocation: profile.daysInLocation === undefined ? '' : String(profile.daysInLocation),
    lawfulStayDaysLeft: profile.lawfulStayDaysLeft === undefined ? '' : String(profile.lawfulStayDaysLeft),
  };
}

/** What was submitted, as strings, for re-showing a form with errors (bounded, never trusted). */
export function formValuesFromBody(body: unknown): CheckFormValues {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
  const docs = Array.isArray(b.documents) ? b.documents : b.documents === undefined ? [] : [b.documents];
  return {
    citizenship: str(b.citizenship, 2),
    location: str(b.location, 5),
    applicantType: str(b.applicantType, 20),
    documents: docs.slice(0, documentKinds.length).map((d) => str(d, 40)),
    foreignPassportValidUntil: str(b.foreignPassportValidUntil, 10),
    flags: Object.fromEntries(PATHWAY_FLAGS.map((f) => [f, b[f] === '1' || b[f] === 'on'])) as Record<
      PathwayFlag,
      boolean
    >,
    adults: str(b.adults, 2),
    children: str(b.children, 2),
    age: str(b.age, 5),
    daysInLocation: str(b.daysInLocation, 5),
    lawfulStayDaysLeft: str(b.lawfulStayDaysLeft, 5),
  };
}

/**
 * The stored payload of a saved check (encrypted with the case key). Version 1: the profile used
 * and, per option, what the staff member saw decide it (viability, risk, the rules behind them,
 * the review date), in the language they read it in. With the content version and the day (in
 * plaintext columns) the whole answer can be reproduced from the knowledge base at that commit.
 */
export const storedCheckSchema = z.strictObject({
  v: z.literal(1),
  language: localeSchema,
  profile: profileSchema,
  options: z
    .array(
      z.strictObject({
        id: z.string().max(80),
        country: z.string().max(2),
        countryName: z.string().max(200),
        kind: z.enum(optionKinds),
        title: z.string().max(500),
        viable: z.boolean(),
        viableRules: z.array(z.string().max(80)).max(50),
        risk: z.enum(riskLevels),
        riskRules: z.array(z.string().max(80)).max(50),
        reviewed: z.string().max(10),
      }),
    )
    .max(500),
  warnings: z.array(z.strictObject({ id: z.string().max(80), level: z.enum(warningLevels) })).max(100),
});
export type StoredCheck = z.infer<typeof storedCheckSchema>;

export const checkIdSchema = z.uuid();
