/**
 * Person records, normalised once and held column-wise (struct of arrays) so that scoring a
 * pair touches only integers and short interned keys. Raw input is validated here and never
 * kept: only matching keys, dates and E.164 phones are stored.
 */
import { type PartialDate, parseDate } from './dates.ts';
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

interface NameInfo {
  readonly key: number;
  readonly gender: number;
}
interface FamilyInfo extends NameInfo {
  readonly part1: number;
  readonly part2: number;
  readonly double: boolean;
  /** The family field holds a known given name (see the swap in `add`). */
  readonly nameLike: boolean;
}
interface GivenInfo extends NameInfo {
  readonly group1: number;
  readonly group2: number;
}

/** Largest number of raw texts each normalisation memo keeps before it starts over. */
const MEMO_LIMIT = 1_000_000;

function remember<V>(memo: Map<string, V>, text: string, value: V): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(text, value);
}
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
    let fam = this.familyInfo(familyName);
    let giv = this.givenInfo(givenName);
    // Given and family name written the wrong way round ("Мидосская Дана"): when the family
    // field holds a known given name (any form in the diminutives table) and the given field
    // holds a word that is not one, the two are swapped back. Both known (Сергей Богдан) or
    // neither known: left as written; the scorer still tries the crosswise comparison.
    if (giv.key !== 0 && fam.nameLike && giv.group1 < 0 && !fam.double) {
      const swappedFam = this.familyInfo(givenName);
      const swappedGiv = this.givenInfo(familyName);
      fam = swappedFam;
      giv = swappedGiv;
    }
    const pat = this.patronymicInfo(patronymic);
    const idx = this.ids.length;
    this.ids.push(record.id);
    this.family.push(fam.key);
    this.family1.push(fam.part1);
    this.family2.push(fam.part2);
    this.given.push(giv.key);
    this.familyCount[fam.key]! += 1;
    this.givenCount[giv.key]! += 1;
    this.group1.push(giv.group1);
    this.group2.push(giv.group2);
    this.patronymic.push(pat.key);
    this.place.push(this.placeKey(record.birthPlace ?? ''));
    const strong = pat.gender !== GENDER_NONE ? pat.gender : giv.gender;
    this.strongGender.push(strong);
    this.gender.push(strong !== GENDER_NONE ? strong : fam.gender);
    const date = record.birthDate === undefined ? undefined : this.parseDateMemo(record.birthDate);
    this.year.push(date?.year ?? 0);
    this.month.push(date?.month ?? 0);
    this.day.push(date?.day ?? 0);
    const phone = record.phone === undefined ? '' : (normalizePhone(record.phone) ?? '');
    this.phone.push(phone);
    this.phoneId.push(this.internPhone(phone));
    this.phoneTail.push(phone === '' ? -1 : Number(phone.slice(-7)));
    return idx;
  }

  // Names, places and dates repeat a great deal (a million records hold a few hundred thousand
  // distinct spellings), so their normalisation is memoised per raw text. The memos are bounded
  // and hold only derived keys, never more than the store itself keeps.
  private readonly familyMemo = new Map<string, FamilyInfo>();
  private readonly givenMemo = new Map<string, GivenInfo>();
  private readonly patronymicMemo = new Map<string, NameInfo>();
  private readonly placeMemo = new Map<string, number>();
  private readonly dateMemo = new Map<string, PartialDate | null>();

  private familyInfo(familyName: string): FamilyInfo {
    let info = this.familyMemo.get(familyName);
    if (info === undefined) {
      const parts = familyName.split(/[\s\-–]+/).filter(Boolean);
      const double = parts.length > 1;
      const key = matchKey(double ? parts.join('') : familyName);
      info = {
        key: this.intern(key),
        part1: this.intern(double ? matchKey(parts[0]!) : ''),
        part2: this.intern(double ? matchKey(parts[parts.length - 1]!) : ''),
        gender: familyName !== '' ? genderCode(genderOfSurname(familyName)) : GENDER_NONE,
        double,
        nameLike: key !== '' && nameGroupsOfKey(key).length > 0,
      };
      remember(this.familyMemo, familyName, info);
    }
    return info;
  }

  private givenInfo(givenName: string): GivenInfo {
    let info = this.givenMemo.get(givenName);
    if (info === undefined) {
      const key = matchKey(givenName);
      const groups = nameGroupsOfKey(key);
      info = {
        key: this.intern(key),
        group1: groups[0] ?? -1,
        group2: groups[1] ?? -1,
        gender: givenName !== '' ? genderCode(genderOfGivenName(givenName)) : GENDER_NONE,
      };
      remember(this.givenMemo, givenName, info);
    }
    return info;
  }

  private patronymicInfo(patronymic: string): NameInfo {
    let info = this.patronymicMemo.get(patronymic);
    if (info === undefined) {
      info = {
        key: this.intern(matchKey(patronymic)),
        gender: patronymic !== '' ? genderCode(genderOfPatronymic(patronymic)) : GENDER_NONE,
      };
      remember(this.patronymicMemo, patronymic, info);
    }
    return info;
  }

  private placeKey(place: string): number {
    let key = this.placeMemo.get(place);
    if (key === undefined) {
      key = this.intern(matchKey(place));
      remember(this.placeMemo, place, key);
    }
    return key;
  }

  private parseDateMemo(text: string): PartialDate | undefined {
    let date = this.dateMemo.get(text);
    if (date === undefined) {
      date = parseDate(text) ?? null;
      remember(this.dateMemo, text, date);
    }
    return date ?? undefined;
  }

  private readonly phoneticMemo = new Map<number, string>();
  private readonly phoneticIds = new Map<string, number>([['', 0]]);

  /** phoneticIdOf results by maxLength, then key id (-1 = not yet computed). */
  private readonly phoneticIdCache: Int32Array[] = [];

  /** A small integer for the phonetic key `phoneticOf(k, maxLength)` (0 = empty). */
  phoneticIdOf(k: number, maxLength: number): number {
    let cache = this.phoneticIdCache[maxLength];
    if (cache === undefined || cache.length <= k) {
      const next = new Int32Array(Math.max(1024, Math.ceil(this.keys.length * 1.5))).fill(-1);
      if (cache !== undefined) next.set(cache);
      cache = next;
      this.phoneticIdCache[maxLength] = cache;
    }
    const known = cache[k]!;
    if (known >= 0) return known;
    const p = this.phoneticOf(k, maxLength);
    let id = this.phoneticIds.get(p);
    if (id === undefined) {
      id = this.phoneticIds.size;
      this.phoneticIds.set(p, id);
    }
    cache[k] = id;
    return id;
  }

  /** The phonetic key (at most maxLength symbols, 1..7) of interned key `k`, memoised. */
  phoneticOf(k: number, maxLength: number): string {
    const slot = k * 8 + maxLength;
    let p = this.phoneticMemo.get(slot);
    if (p === undefined) {
      p = phoneticKey(this.keys[k]!, maxLength);
      this.phoneticMemo.set(slot, p);
    }
    return p;
  }

  /** The given-name token used for blocking: the name group when known, else its phonetic key. */
  givenToken(i: number): string {
    const g = this.group1[i]!;
    if (g >= 0) return `#${g}`;
    return this.phoneticOf(this.given[i]!, 4);
  }
}
