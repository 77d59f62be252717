import type { IntakeAnswers, PersonDetails } from '../cases/index.ts';
import { applicantTypes, type DocumentKind, documentKinds, isCountryCode } from '../pathways/index.ts';
import type { CasePathwaysMessageKey } from './case-pathways.messages.ts';
import type { CheckFormValues } from './case-pathways.schemas.ts';

/**
 * Fills the pathway-check form from a case. Pure. The rule throughout: take only what the case
 * records, never guess a fact that could open a route (a missing answer stays empty, or false,
 * and the engine treats it as "not known"), and say where each value came from, so the staff
 * member checks it with the person. The mapping is documented in docs/workspace.md.
 */
export interface CaseForPathways {
  /** The case's plaintext queue column (soldier, conscript, …, unknown). */
  applicantType: string;
  /** The case's current-location country code, maintained by staff. */
  country: string | null;
  person: Pick<PersonDetails, 'documents' | 'family'>;
  answers: IntakeAnswers;
}

export interface PrefillNote {
  key: CasePathwaysMessageKey;
  params?: Record<string, string | number>;
}

/** Case applicant types → pathways types; "soldier" is ambiguous and left for staff to choose. */
const FROM_CASE_TYPE: Record<string, string | undefined> = {
  conscript: 'conscript',
  reservist: 'reservist',
  officer: 'officer',
  diplomat: 'diplomat',
  family: 'family',
  other: 'other',
};

/** Free-text identity document types on the person record → document kinds (ru, uk, en). */
const DOCUMENT_WORDS: Array<[RegExp, DocumentKind]> = [
  [/загран|закордон|foreign|international|travel|заграничн/i, 'foreign_passport'],
  [/военн|військов|military|army/i, 'military_id'],
  [/внутрен|внутрішн|internal|общегражд|national|паспорт рф|паспорт гражданина/i, 'internal_passport'],
];

const CHILD_WORDS = /сын|доч|ребён|ребен|дет|син|доньк|дочк|дитин|діт|son|daughter|child|kid/i;

function isDocumentKind(value: string): value is DocumentKind {
  return (documentKinds as readonly string[]).includes(value);
}

/** The form values for a case, with the notes that say where they came from. */
export function prefillFromCase(c: CaseForPathways): { values: CheckFormValues; notes: PrefillNote[] } {
  const notes: PrefillNote[] = [{ key: 'case_pathways.note.citizenship_assumed' }];
  const a = c.answers;

  // Where the person is now: the case's country (staff keep it current), else intake's answer.
  let location = '';
  if (isCountryCode(c.country)) {
    location = c.country;
    notes.push({ key: 'case_pathways.note.location_from_case' });
  } else if (isCountryCode(a.country)) {
    location = a.country;
    notes.push({ key: 'case_pathways.note.location_from_intake' });
  } else {
    notes.push({ key: 'case_pathways.note.location_missing' });
  }

  // The situation: intake asks it in the engine's own words; the case column is coarser.
  let applicantType = '';
  const fromIntake = a.applicant_type;
  if (fromIntake !== undefined && (applicantTypes as readonly string[]).includes(fromIntake)) {
    applicantType = fromIntake;
    notes.push({ key: 'case_pathways.note.type_from_intake' });
  } else if (FROM_CASE_TYPE[c.applicantType] !== undefined) {
    applicantType = FROM_CASE_TYPE[c.applicantType] ?? '';
    notes.push({ key: 'case_pathways.note.type_from_case' });
  } else if (c.applicantType === 'soldier') {
    notes.push({ key: 'case_pathways.note.type_soldier' });
  } else {
    notes.push({ key: 'case_pathways.note.type_missing' });
  }

  // Documents: intake's list (closed vocabulary), then keywords in the person record's types.
  const documents = new Set<DocumentKind>();
  for (const d of (a.documents ?? '').split(',').map((x) => x.trim())) {
    if (isDocumentKind(d)) documents.add(d);
  }
  if (documents.size > 0) notes.push({ key: 'case_pathways.note.documents_from_intake' });
  let fromPerson = false;
  for (const doc of c.person.documents) {
    for (const [pattern, kind] of DOCUMENT_WORDS) {
      if (pattern.test(doc.type) && !documents.has(kind)) {
        documents.add(kind);
        fromPerson = true;
        break;
      }
    }
  }
  if (fromPerson) notes.push({ key: 'case_pathways.note.documents_from_person' });
  if (documents.has('foreign_passport')) notes.push({ key: 'case_pathways.note.passport_expiry' });

  const hasLeftUnit = applicantType === 'deserter';
  if (hasLeftUnit) notes.push({ key: 'case_pathways.note.deserter_left_unit' });
  if (a.urgency === 'date' || a.deadline !== undefined) {
    notes.push({ key: 'case_pathways.note.date_mentioned', params: { deadline: a.deadline ?? '—' } });
  }

  let adults = 0;
  let children = 0;
  for (const member of c.person.family) {
    if (CHILD_WORDS.test(member.relation)) children += 1;
    else adults += 1;
  }
  adults = Math.min(adults, 20);
  children = Math.min(children, 20);
  if (adults + children > 0) {
    notes.push({ key: 'case_pathways.note.family_from_person', params: { adults, children } });
  }
  notes.push({ key: 'case_pathways.note.flags_not_collected' });

  return {
    values: {
      citizenship: 'RU',
      location,
      applicantType,
      documents: documentKinds.filter((d) => documents.has(d)),
      foreignPassportValidUntil: '',
      flags: {
        hasLeftUnit,
        criminalCaseOpened: false,
        onWantedList: false,
        calledUp: false,
        lawOfReturnEligible: false,
        passportInvalidated: false,
        summonsPosted: false,
      },
      adults: String(adults),
      children: String(children),
      // Never guessed from the case: a wrong age or stay could open a route (ADR 0060).
      age: '',
      daysInLocation: '',
      lawfulStayDaysLeft: '',
    },
    notes,
  };
}
