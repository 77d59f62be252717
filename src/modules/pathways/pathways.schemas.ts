/**
 * Schemas for the pathways knowledge base (content/pathways/**) and for the applicant profile.
 *
 * The content is hostile in the same way as any input: a typo in a YAML file must fail CI with a
 * precise message, never produce a silently wrong answer for a person deciding where to flee.
 * Every object is strict (unknown keys are errors) for that reason.
 */
import { z } from 'zod';
import { APPLICANT_TYPES, type ApplicantType } from '../../domain/applicant.ts';

// ---------------------------------------------------------------------------------------------
// Shared scalars
// ---------------------------------------------------------------------------------------------

/** An ISO 3166-1 alpha-2 code, upper case (e.g. "KZ"); "EU" stands for the European Union as a whole. */
export const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter upper-case country code');

/** A calendar date, YYYY-MM-DD. */
export const isoDateSchema = z.iso.date();

export const locales = ['ru', 'uk', 'en'] as const;
export type Locale = (typeof locales)[number];
export const localeSchema = z.enum(locales);

/** Text in several languages: ru and en are required, uk is optional (falls back to ru, then en). */
export const localizedTextSchema = z.strictObject({
  ru: z.string().min(1),
  en: z.string().min(1),
  uk: z.string().min(1).optional(),
});
export type LocalizedText = z.infer<typeof localizedTextSchema>;

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*$/, 'ids are lower-case letters, digits, dots and dashes')
  .max(80);

export const riskLevels = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof riskLevels)[number];
export const riskLevelSchema = z.enum(riskLevels);

export const confidenceLevels = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof confidenceLevels)[number];

export const optionKinds = [
  'transit',
  'stay',
  'asylum',
  'humanitarian_visa',
  'parole',
  'alternative_service',
  'surrender',
  /** Plan the route with an organisation before moving (for people who must not cross a border post yet). */
  'get_help',
] as const;
export type OptionKind = (typeof optionKinds)[number];

// ---------------------------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------------------------

/** The applicant's own answer to "who are you" (one list with intake's, ADR 0109). */
export const applicantTypes = APPLICANT_TYPES;
export type { ApplicantType };

export const documentKinds = [
  'internal_passport',
  'foreign_passport',
  'military_id',
  /** A diplomatic (or service) passport: issued for the posting, annulled when its holder defects. */
  'diplomatic_passport',
] as const;
export type DocumentKind = (typeof documentKinds)[number];

/**
 * The place "at the front or in Russian-occupied Ukraine": a location of its own, because the
 * only ways out of it run through Russia or across the front line (ADR 0097). The legacy value
 * `UA` ("in Ukraine, at or near the front") keeps meaning the same.
 */
export const frontLocation = 'front';
export const locationSchema = z.union([countryCodeSchema, z.literal(frontLocation)]);

/** Whole days, bounded: time spent somewhere, or lawful stay left. */
const daysSchema = z.number().int().min(0).max(36_500);

/**
 * The situation of one person, as the applicant or a caseworker describes it. Optional flags
 * default to the answer that claims the least (false / 0), so a sparse profile is valid.
 * Fields after `language` were added by ADR 0097 (the situation model); all are optional.
 */
export const profileSchema = z.strictObject({
  citizenship: countryCodeSchema,
  applicantType: z.enum(applicantTypes),
  /** Where the person is now: an ISO country code, or `front` (at the front or in occupied Ukraine). */
  location: locationSchema,
  documents: z
    .array(z.enum(documentKinds))
    .max(documentKinds.length)
    .refine((docs) => new Set(docs).size === docs.length, 'documents must not repeat'),
  foreignPassportValidUntil: isoDateSchema.optional(),
  hasLeftUnit: z.boolean().default(false),
  criminalCaseOpened: z.boolean().default(false),
  onWantedList: z.boolean().default(false),
  /** A summons has been served or a call-up decision taken (Russia then bars exit). */
  calledUp: z.boolean().default(false),
  /** The person has checked they qualify under Israel's Law of Return. */
  lawOfReturnEligible: z.boolean().default(false),
  /** Family members travelling with the person (not counting the person). */
  family: z
    .strictObject({
      adults: z.number().int().min(0).max(20),
      children: z.number().int().min(0).max(20),
    })
    .default({ adults: 0, children: 0 }),
  language: localeSchema.default('ru'),
  /** How long the person has been where they are now, in days. */
  daysInLocation: daysSchema.optional(),
  /** How many days of lawful stay are left where they are now (0: it has ended). */
  lawfulStayDaysLeft: daysSchema.optional(),
  /** Age in whole years; or `birthYear`, from which the age on the evaluation day is estimated. */
  age: z.number().int().min(0).max(120).optional(),
  birthYear: z.number().int().min(1900).max(2100).optional(),
  /**
   * Russia has declared the person's foreign passport invalid, or may seize it (for example after
   * an exit ban): it no longer counts as a usable document (ADR 0097).
   */
  passportInvalidated: z.boolean().default(false),
  /** An electronic summons has been posted in the register: the exit ban starts on posting. */
  summonsPosted: z.boolean().default(false),
});
/** A validated profile, with defaults applied. */
export type Profile = z.output<typeof profileSchema>;
/** What a caller may pass in (defaults not yet applied). */
export type ProfileInput = z.input<typeof profileSchema>;

// ---------------------------------------------------------------------------------------------
// Rule language
// ---------------------------------------------------------------------------------------------

/** Profile fields a rule may compare with `eq` / `in`. */
export const ruleTextFields = ['applicantType', 'location', 'citizenship', 'language'] as const;
export type RuleTextField = (typeof ruleTextFields)[number];

/** Profile facts a rule may test with `is`. */
export const ruleFlags = [
  'hasLeftUnit',
  'criminalCaseOpened',
  'onWantedList',
  'calledUp',
  'lawOfReturnEligible',
  'hasChildren',
  'hasFamilyWithThem',
  'foreignPassportExpired',
  'foreignPassportExpiryUnknown',
  'passportInvalidated',
  'summonsPosted',
  /** At the front or in occupied Ukraine (location `front`, or the legacy `UA`). */
  'atFront',
  /** Younger than 18 on the evaluation day (known from `age` or `birthYear`). */
  'minor',
  /** Lawful stay left was not given. */
  'lawfulStayUnknown',
] as const;
export type RuleFlag = (typeof ruleFlags)[number];

/** Numbers a rule may compare with `gte` / `lte`. */
export const ruleNumbers = [
  'foreignPassportMonthsLeft',
  'familyAdults',
  'familyChildren',
  'daysInLocation',
  'lawfulStayDaysLeft',
  'age',
] as const;
export type RuleNumber = (typeof ruleNumbers)[number];

/**
 * One node of a rule. Each node is an object with exactly one key:
 * `all`, `any`, `not`, `has` (a document, valid on the evaluation date), `is` (a flag),
 * `eq` / `in` (a text field), `gte` / `lte` (a number), `ref` (a named predicate from
 * predicates.yaml), `option` (another option is viable), or `always`.
 */
export type RuleExpr =
  | { all: RuleExpr[] }
  | { any: RuleExpr[] }
  | { not: RuleExpr }
  | { has: DocumentKind }
  | { is: RuleFlag }
  | { eq: [RuleTextField, string] }
  | { in: [RuleTextField, string[]] }
  | { gte: [RuleNumber, number] }
  | { lte: [RuleNumber, number] }
  | { ref: string }
  | { option: string }
  | { always: true };

export const ruleExprSchema: z.ZodType<RuleExpr> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ruleExprSchema).min(1) }),
    z.strictObject({ any: z.array(ruleExprSchema).min(1) }),
    z.strictObject({ not: ruleExprSchema }),
    z.strictObject({ has: z.enum(documentKinds) }),
    z.strictObject({ is: z.enum(ruleFlags) }),
    z.strictObject({ eq: z.tuple([z.enum(ruleTextFields), z.string().min(1)]) }),
    z.strictObject({ in: z.tuple([z.enum(ruleTextFields), z.array(z.string().min(1)).min(1)]) }),
    z.strictObject({ gte: z.tuple([z.enum(ruleNumbers), z.number()]) }),
    z.strictObject({ lte: z.tuple([z.enum(ruleNumbers), z.number()]) }),
    z.strictObject({ ref: idSchema }),
    z.strictObject({ option: idSchema }),
    z.strictObject({ always: z.literal(true) }),
  ]),
);

// ---------------------------------------------------------------------------------------------
// Content files
// ---------------------------------------------------------------------------------------------

export const sourceSchema = z.strictObject({
  id: idSchema,
  title: z.string().min(3),
  publisher: z.string().min(2),
  url: z.url({ protocol: /^https?$/ }),
  accessed: isoDateSchema,
  /** Date the source itself was published, where known. */
  published: isoDateSchema.optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const sourcesFileSchema = z.strictObject({ sources: z.array(sourceSchema).min(1) });

/** One sourced statement. Options and rules cite facts; facts cite sources. */
export const factSchema = z.strictObject({
  id: idSchema,
  text: localizedTextSchema,
  sources: z.array(idSchema).min(1),
  reviewed: isoDateSchema,
  confidence: z.enum(confidenceLevels),
  /** What is not known, disputed or likely to change. */
  uncertain: localizedTextSchema.optional(),
  /**
   * This fact's own review interval in days, when it should be re-checked more often (a border
   * decision) or may wait longer (a court ruling) than meta.yaml's staleAfterDays (ADR 0100).
   */
  reviewEveryDays: z.number().int().min(1).max(365).optional(),
  /**
   * The last day the stated rule is known to hold: a law's sunset, a decision's end date. From the
   * day after, the fact is stale whatever its review date; the report lists it ahead (ADR 0100).
   */
  expires: isoDateSchema.optional(),
  /**
   * Cited outside the pathways rules: by the outreach guides (content/outreach), which check
   * that they really cite it. One source of truth for a statement both make.
   */
  citedBy: z.array(z.enum(['outreach'])).min(1).optional(),
});
export type Fact = z.infer<typeof factSchema>;

/**
 * Where a rule applies (ADR 0098): `entry` rules (documents to cross the border) only for people
 * not yet in the option's country; `here` rules only for people already there; `always` (default).
 */
export const ruleScopes = ['always', 'entry', 'here'] as const;
export type RuleScope = (typeof ruleScopes)[number];

/** A condition that must hold for an option to be viable. */
export const eligibilityRuleSchema = z.strictObject({
  id: idSchema,
  scope: z.enum(ruleScopes).default('always'),
  when: ruleExprSchema,
  /** The requirement in plain words; shown as the reason whether it is met or not. */
  reason: localizedTextSchema,
  facts: z.array(idSchema).min(1),
});
export type EligibilityRule = z.infer<typeof eligibilityRuleSchema>;

/** A risk that applies when its condition holds. */
export const riskRuleSchema = z.strictObject({
  id: idSchema,
  when: ruleExprSchema,
  level: riskLevelSchema,
  reason: localizedTextSchema,
  facts: z.array(idSchema).min(1),
});
export type RiskRule = z.infer<typeof riskRuleSchema>;

/**
 * A "do not go" rule: when it holds, the option is never viable for this profile, whatever its
 * eligibility; it is still returned, with this reason (ADR 0098).
 */
export const doNotGoRuleSchema = z.strictObject({
  id: idSchema,
  when: ruleExprSchema,
  reason: localizedTextSchema,
  facts: z.array(idSchema).min(1),
});
export type DoNotGoRule = z.infer<typeof doNotGoRuleSchema>;

export const optionSchema = z.strictObject({
  id: idSchema,
  country: countryCodeSchema,
  kind: z.enum(optionKinds),
  title: localizedTextSchema,
  summary: localizedTextSchema,
  entry: z.strictObject({
    documents: localizedTextSchema,
    stay: localizedTextSchema,
    visa: localizedTextSchema,
    facts: z.array(idSchema).min(1),
  }),
  eligibility: z.array(eligibilityRuleSchema).min(1),
  doNotGo: z.array(doNotGoRuleSchema).default([]),
  /** The least risk that always applies, with its reason. */
  baseRisk: riskRuleSchema.omit({ when: true }),
  risks: z.array(riskRuleSchema).default([]),
  steps: z.array(localizedTextSchema).min(1),
  documentsNeeded: z.array(localizedTextSchema).min(1),
  costs: z.array(localizedTextSchema).default([]),
  /** Rough time from first step to safety, in days; used only to break ranking ties. */
  typicalDays: z.number().int().min(0).max(3650).optional(),
  /** Documents still to obtain before the journey (a visa, a parole approval); a ranking tie-break. */
  documentsToObtain: z.number().int().min(0).max(10).default(0),
});
export type OptionContent = z.infer<typeof optionSchema>;

export const countryFileSchema = z.strictObject({
  country: z.strictObject({
    code: countryCodeSchema,
    name: localizedTextSchema,
  }),
  facts: z.array(factSchema).default([]),
  options: z.array(optionSchema).default([]),
});

export const warningLevels = ['info', 'caution', 'danger'] as const;
export type WarningLevel = (typeof warningLevels)[number];

export const warningRuleSchema = z.strictObject({
  id: idSchema,
  when: ruleExprSchema,
  level: z.enum(warningLevels),
  text: localizedTextSchema,
  facts: z.array(idSchema).min(1),
});
export type WarningRule = z.infer<typeof warningRuleSchema>;

/** Facts that belong to no single country (Russian criminal law, international law). */
export const generalFileSchema = z.strictObject({
  facts: z.array(factSchema).default([]),
  warnings: z.array(warningRuleSchema).default([]),
});

export const predicatesFileSchema = z.strictObject({
  predicates: z.array(
    z.strictObject({
      id: idSchema,
      description: z.string().min(3),
      when: ruleExprSchema,
    }),
  ),
});

export const metaFileSchema = z.strictObject({
  schemaVersion: z.literal(1),
  disclaimer: localizedTextSchema,
  /** Facts reviewed longer ago than this are reported as stale (unless a fact sets its own interval). */
  staleAfterDays: z.number().int().min(1).max(3650),
  /** The staleness report also lists what falls due (review or expiry) within this many days. */
  dueSoonDays: z.number().int().min(1).max(365).default(30),
  /** Countries and topics the knowledge base must cover; checked in CI. */
  requiredCoverage: z.array(countryCodeSchema).min(1),
});
