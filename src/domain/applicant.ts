/**
 * The applicant's type, in the two vocabularies that several modules share (ADR 0109). Pure
 * data: this file imports nothing, so every layer and module may import it.
 */

/**
 * What applicants say they are: the intake form, the Telegram channel and the pathways
 * profile ask the same question with the same answers, and the pathways rules reason on them.
 */
export const APPLICANT_TYPES = [
  'conscript',
  'contract',
  'mobilised',
  'reservist',
  'officer',
  'diplomat',
  'deserter',
  'family',
  'other',
] as const;
export type ApplicantType = (typeof APPLICANT_TYPES)[number];

/**
 * How a case records the applicant's type: the queue column `cases.applicant_type` (its check
 * constraint lists the same values), the workspace's filters and forms, the demo and benchmarks.
 */
export const CASE_APPLICANT_TYPES = [
  'soldier',
  'conscript',
  'reservist',
  'officer',
  'diplomat',
  'family',
  'other',
  'unknown',
] as const;
export type CaseApplicantType = (typeof CASE_APPLICANT_TYPES)[number];

/** The case's type for what an applicant said (contract, mobilised and deserter: soldier). */
export const CASE_APPLICANT_TYPE_OF: Readonly<Record<ApplicantType, CaseApplicantType>> = {
  conscript: 'conscript',
  contract: 'soldier',
  mobilised: 'soldier',
  deserter: 'soldier',
  reservist: 'reservist',
  officer: 'officer',
  diplomat: 'diplomat',
  family: 'family',
  other: 'other',
};
