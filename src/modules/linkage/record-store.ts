/**
 * Person records, normalised once and held column-wise (struct of arrays) so that scoring a
 * pair touches only integers and short interned keys. Raw input is validated here and never
 * kept: only matching keys, dates and E.164 phones are stored.
 */
import { parseDate } from './dates.ts';
import { type Gender, genderOfGivenName, nameGroupsOfKey } from './diminutives.ts';
import { genderOfPatronymic, genderOfSurname, splitFullName } from './names.ts';
import { normalizePhone } from './phone.ts';
import { matchKey, phoneticKey } from './transliterate.ts';

/** One person record as it arrives (a line of the `sanctuary link` input). Only `id` is required. */
export interface PersonRecord {
  id: string;
  givenName?: string | undefined;
  familyName?: string | undefined;
  patronymic?: string | undefined;
  /** A whole name in one field, in any order; used when the separate parts are missing. */
  fullName?: string | undefined;
  birthDate?: string | undefined;
  phone?: string | undefined;
  birthPlace?: string | undefined;
}

/** Longest accepted id and field, in characters. Longer values make the record invalid. */
export const MAX_ID_LENGTH = 200;
export const MAX_FIELD_LENGTH = 300;

const TEXT_FIELDS = [
  'givenName',
  'familyName',
  'patronymic',
  'fullName',
  'birthDate',
  'phone',
  'birthPlace',
] as const;

/** Why a value cannot be used as a person record. */
export class RecordError extends Error {
  override name = 'RecordError';
}

/**
 * Checks that a parsed JSON value is a person record: an object with a non-empty string `id`
 * and, for each known field, a string (or null) of bounded length. Unknown fields are ignored.
 * Throws RecordError with a message that names the field (never its content).
 */
export function validateRecord(value: unknown): PersonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RecordError('not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const id = obj.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new RecordError('missing "id"');
  const idText = String(id);
  if (idText.length === 0) throw new RecordError('empty "id"');
  if (idText.length > MAX_ID_LENGTH) throw new RecordError(`"id" longer than ${MAX_ID_LENGTH} characters`);
  const record: PersonRecord = { id: idText };
  for (const field of TEXT_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new RecordError(`"${field}" is not a string`);
    if (v.length > MAX_FIELD_LENGTH)
      throw new RecordError(`"${field}" longer than ${MAX_FIELD_LENGTH} characters`);
    record[field] = v;
  }
  return record;
}

const GENDER_NONE = 0;
export const GENDER_MALE = 1;
export const GENDER_FEMALE = 2;

function genderCode(g: Gender | undefined): number {
  return g === 'm' ? GENDER_MALE : g === 'f' ? GENDER_FEMALE : GENDER_NONE;
}

/** Column-wise store of normalised records. Index = position of the record in the input. */
export class RecordStore {
  readonly ids: string[] = [];
  /** Interned keys: id -> key string. Index 0 is the empty key (missing). */
  readonly keys: string[] = [''];
  private readonly keyIndex = new Map<string, number>([['', 0]]);
  /** How many records carry each key as family / given name (for term frequencies). */
  readonly familyCount: number[] = [0];
  readonly givenCount: number[] = [0];

  readonly family: number[] = [];
  /** First and last part of a double surname (key ids), 0 if the surname is single. */
  readonly family1: number[] = [];
  readonly family2: number[] = [];
  readonly given: number[] = [];
  /** First and second name group of the given name, -1 if none. */
  readonly group1: number[] = [];
  readonly group2: number[] = [];
  readonly patronymic: number[] = [];
  readonly place: number[] = [];
  /** Gender from any source (patronymic, given name, surname ending): 0 unknown, 1 m, 2 f. */
  readonly gender: number[] = [];
  /** Gender from the patronymic or given name only (the reliable sources; used by the cluster guard). */
  readonly strongGender: number[] = [];
  readonly year: number[] = [];
  readonly month: number[] = [];
  readonly day: number[] = [];
  /** E.164 phone, '' if missing or unparseable. */
  readonly phone: string[] = [];
  /** Interned phone (0 = missing) and its last seven digits, for fast comparison. */
  readonly phoneId: number[] = [];
  readonly phoneTail: number[] = [];
  private readonly phoneIndex = new Map<string, number>([['', 0]]);

  private internPhone(text: string): number {
    let id = this.phoneIndex.get(text);
    if (id === undefined) {
      id = this.phoneIndex.size;
      this.phoneIndex.set(text, id);
    }
    return id;
  }

  get size(): number {
    return this.ids.length;
  }

  intern(key: string): number {
    let id = this.keyIndex.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(key);
      this.keyIndex.set(key, id);
      this.familyCount.push(0);
      this.givenCount.push(0);
    }
    return id;
  }

  /** Normalises one validated record and appends it; returns its index. */
  add(record: PersonRecord): number {
    let givenName = record.givenName ?? '';
    let familyName = record.familyName ?? '';
    let patronymic = record.patronymic ?? '';
    if (givenName === '' && familyName === '' && record.fullName !== undefined) {
      const parts = splitFullName(record.fullName);
      givenName = parts.givenName;
      familyName = parts.familyName;
      if (patronymic === '') patronymic = parts.patronymic;
    }
    const familyParts = familyName.split(/[\s\-–]+/).filter(Boolean);
    const familyKey = matchKey(familyParts.length > 1 ? familyParts.join('') : familyName);
    const family1Key = familyParts.length > 1 ? matchKey(familyParts[0]!) : '';
    const family2Key = familyParts.length > 1 ? matchKey(familyParts[familyParts.length - 1]!) : '';
    const givenKey = matchKey(givenName);
    const groups = nameGroupsOfKey(givenKey);
    const idx = this.ids.length;
    this.ids.push(record.id);
    const fam = this.intern(familyKey);
    const giv = this.intern(givenKey);
    this.family.push(fam);
    this.family1.push(this.intern(family1Key));
    this.family2.push(this.intern(family2Key));
    this.given.push(giv);
    this.familyCount[fam]! += 1;
    this.givenCount[giv]! += 1;
    this.group1.push(groups[0] ?? -1);
    this.group2.push(groups[1] ?? -1);
    this.patronymic.push(this.intern(matchKey(patronymic)));
    this.place.push(this.intern(matchKey(record.birthPlace ?? '')));
    const strong =
      (patronymic !== '' ? genderOfPatronymic(patronymic) : undefined) ??
      (givenName !== '' ? genderOfGivenName(givenName) : undefined);
    const any = strong ?? (familyName !== '' ? genderOfSurname(familyName) : undefined);
    this.strongGender.push(genderCode(strong));
    this.gender.push(genderCode(any));
    const date = record.birthDate === undefined ? undefined : parseDate(record.birthDate);
    this.year.push(date?.year ?? 0);
    this.month.push(date?.month ?? 0);
    this.day.push(date?.day ?? 0);
    const phone = record.phone === undefined ? '' : (normalizePhone(record.phone) ?? '');
    this.phone.push(phone);
    this.phoneId.push(this.internPhone(phone));
    this.phoneTail.push(phone === '' ? -1 : this.internPhone(`t${phone.slice(-7)}`));
    return idx;
  }

  /** The given-name token used for blocking: the name group when known, else its phonetic key. */
  givenToken(i: number): string {
    const g = this.group1[i]!;
    if (g >= 0) return `#${g}`;
    return phoneticKey(this.keys[this.given[i]!]!, 4);
  }
}
