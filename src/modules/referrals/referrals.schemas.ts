import { z } from 'zod';
import type { ConsentVia, PartnerKind, ReferralState } from '../../db/types.ts';

/**
 * The referral network's lists and input schemas (issue 14). Forms arrive as url-encoded
 * strings; every field is bounded; an error names the field and a message key of
 * referrals.messages.ts.
 */
export const PARTNER_KINDS = [
  'host',
  'shelter',
  'lawyer',
  'counsellor',
  'psychologist',
  'medical',
  'transport',
  'organisation',
  'sanctuary_server',
] as const satisfies readonly PartnerKind[];

export const SPECIALTIES = ['deserters', 'families', 'women', 'lgbt', 'medical_needs'] as const;
export type Specialty = (typeof SPECIALTIES)[number];

/** ISO 639-1 codes offered in the forms (not personal: the languages a service is offered in). */
export const LANGUAGES = [
  'ru',
  'uk',
  'en',
  'ka',
  'hy',
  'kk',
  'ky',
  'sr',
  'tr',
  'de',
  'fr',
  'lt',
  'lv',
  'et',
  'be',
] as const;

export const CONTACT_METHODS = [
  'signal',
  'telegram',
  'email',
  'phone',
  'in_person',
  'sanctuary_server',
] as const;

export const CONSENT_VIA = [
  'inbox',
  'in_person',
  'phone',
  'video',
  'written',
] as const satisfies readonly ConsentVia[];

/**
 * The allow-list of what a referral packet may hold. Nothing else from the case ever reaches a
 * partner. The sensitive ones (the real name, documents, the exact arrival day, the phone)
 * need a second staff member's approval before they are sent (DESIGN.md §2.6).
 */
export const PACKET_FIELDS = [
  'people',
  'languages',
  'needs',
  'arrival_week',
  'note',
  'full_name',
  'documents',
  'arrival_date',
  'phone',
] as const;
export type PacketField = (typeof PACKET_FIELDS)[number];
export const SENSITIVE_FIELDS: ReadonlySet<PacketField> = new Set([
  'full_name',
  'documents',
  'arrival_date',
  'phone',
]);

export const REFERRAL_STATES = [
  'draft',
  'consent_recorded',
  'sent',
  'accepted',
  'declined',
  'in_progress',
  'completed',
  'withdrawn',
  'expired',
] as const satisfies readonly ReferralState[];

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === '' || v === undefined ? undefined : v));
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'referrals.field.day');
const optionalDay = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(day.optional());
/** A form's multi-select: absent, one value, or several. */
const many = <T extends string>(values: readonly [T, ...T[]], max: number) =>
  z
    .union([z.enum(values), z.array(z.enum(values)).max(max)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v]));

export const uuid = z.uuid();

/** What a partner's data key encrypts (`details_enc`): everything that names or locates someone. */
export const partnerDetailsSchema = z.object({
  name: text(200).min(1, 'referrals.field.required'),
  givenName: optionalText(200),
  familyName: optionalText(200),
  birthDate: optionalText(10),
  city: text(120).min(1, 'referrals.field.required'),
  contactMethod: z.enum(CONTACT_METHODS),
  contact: text(500).min(1, 'referrals.field.required'),
  phone: optionalText(40),
  notes: z.string().max(4000).default(''),
  voucherNote: z.string().max(1000).default(''),
});
export type PartnerDetails = z.infer<typeof partnerDetailsSchema>;

export const partnerFormSchema = z
  .object({
    kind: z.enum(PARTNER_KINDS, 'referrals.field.invalid'),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'referrals.field.country'),
    languages: many(LANGUAGES, LANGUAGES.length),
    specialties: many(SPECIALTIES, SPECIALTIES.length),
    capacityPlaces: z.coerce.number().int().min(0).max(10_000).default(0),
    capacityFrom: optionalDay,
    capacityUntil: optionalDay,
    name: z.string().default(''),
    givenName: z.string().default(''),
    familyName: z.string().default(''),
    birthDate: z.string().default(''),
    city: z.string().default(''),
    contactMethod: z.enum(CONTACT_METHODS, 'referrals.field.invalid'),
    contact: z.string().default(''),
    phone: z.string().default(''),
    notes: z.string().default(''),
    voucherNote: z.string().default(''),
    /** The verified federation peer a `sanctuary_server` partner is (ignored for other kinds). */
    peerId: z.union([uuid, z.literal('')], 'referrals.partner.peer').default(''),
  })
  .refine(
    (f) => f.capacityFrom === undefined || f.capacityUntil === undefined || f.capacityFrom <= f.capacityUntil,
    {
      path: ['capacityUntil'],
      message: 'referrals.field.dates',
    },
  );

export const capacityFormSchema = z
  .object({
    capacityPlaces: z.coerce.number().int().min(0).max(10_000),
    capacityFrom: optionalDay,
    capacityUntil: optionalDay,
  })
  .refine(
    (f) => f.capacityFrom === undefined || f.capacityUntil === undefined || f.capacityFrom <= f.capacityUntil,
    {
      path: ['capacityUntil'],
      message: 'referrals.field.dates',
    },
  );

export const vettingFormSchema = z.object({
  decision: z.enum(['vet', 'flag', 'reject'], 'referrals.field.invalid'),
  reason: z.string().trim().max(1000).default(''),
});

export const directoryQuerySchema = z.object({
  q: text(200).default(''),
  city: text(120).default(''),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^([A-Z]{2})?$/)
    .default(''),
});

/** The matching query of a case (prefilled from the case; the caseworker may change it). */
export const matchQuerySchema = z.object({
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^([A-Z]{2})?$/)
    .default(''),
  city: text(120).default(''),
  kind: z.union([z.enum(PARTNER_KINDS), z.literal('')]).default(''),
  people: z.coerce.number().int().min(1).max(30).default(1),
  arrival: optionalDay,
  languages: many(LANGUAGES, LANGUAGES.length),
  specialties: many(SPECIALTIES, SPECIALTIES.length),
});
export type MatchQuery = z.infer<typeof matchQuerySchema>;

export const newReferralSchema = z.object({
  partnerId: uuid,
  people: z.coerce.number().int().min(1).max(30),
  arrival: optionalDay,
  languages: many(LANGUAGES, LANGUAGES.length),
  needs: many(SPECIALTIES, SPECIALTIES.length),
  note: z.string().max(4000).default(''),
  respondBy: optionalDay,
});

export const consentFormSchema = z.object({
  fields: many(PACKET_FIELDS, PACKET_FIELDS.length).refine((f) => f.length > 0, 'referrals.consent.none'),
  via: z.enum(CONSENT_VIA, 'referrals.field.invalid'),
  on: day,
});

export const reasonFormSchema = z.object({ reason: z.string().trim().max(2000).default('') });
export const messageFormSchema = z.object({
  body: z.string().trim().min(1, 'referrals.field.required').max(4000),
});
export const respondFormSchema = z.object({
  decision: z.enum(['accept', 'decline'], 'referrals.field.invalid'),
  reason: z.string().trim().max(2000).default(''),
});
export const progressFormSchema = z.object({
  step: z.enum(['start', 'complete'], 'referrals.field.invalid'),
  outcome: z.string().trim().max(2000).default(''),
});
export const rerouteFormSchema = z.object({ partnerId: uuid });
export const memberFormSchema = z.object({ staffId: uuid });

/** The receiving server's answer to another server's referral (ADR 0163). */
export const remoteAnswerFormSchema = z.object({
  status: z.enum(['accepted', 'declined', 'in_progress', 'completed'], 'referrals.field.invalid'),
  note: z.string().trim().max(2000).default(''),
});

/** The caseworker's request for consent in the applicant's inbox: the fields asked about. */
export const consentAskFormSchema = z.object({
  fields: many(PACKET_FIELDS, PACKET_FIELDS.length).refine((f) => f.length > 0, 'referrals.consent.none'),
});

/** The applicant's answer in the inbox: agree to the ticked fields, or refuse. */
export const consentAnswerFormSchema = z.object({
  decision: z.enum(['agree', 'refuse'], 'referrals.field.invalid'),
  fields: many(PACKET_FIELDS, PACKET_FIELDS.length),
});
