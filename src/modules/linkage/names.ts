/**
 * Structure of Russian and Ukrainian personal names: patronymics, gender from the patronymic or
 * the surname ending, double surnames, and a full name written in one field in either order.
 * Everything here works on matching keys (see transliterate.ts), so it is script-blind.
 */
import { type Gender, genderOfGivenName, nameGroupsOf } from './diminutives.ts';
import { matchKey } from './transliterate.ts';

const MALE_PATRONYMIC = /(ovic|evic|ic)$/;
const FEMALE_PATRONYMIC = /(ovna|evna|icna|inicna)$/;

/** True when the key looks like a patronymic (Андреевич, Andreevna, Illich, Ильинична). */
export function isPatronymicKey(key: string): boolean {
  return key.length >= 5 && (MALE_PATRONYMIC.test(key) || FEMALE_PATRONYMIC.test(key));
}

/** Gender implied by a patronymic, if it has a recognisable ending. */
export function genderOfPatronymic(patronymic: string): Gender | undefined {
  const k = matchKey(patronymic);
  if (FEMALE_PATRONYMIC.test(k)) return 'f';
  if (MALE_PATRONYMIC.test(k)) return 'm';
  return undefined;
}

// Surname endings that mark gender. Ukrainian -enko, -uk, -ko and the like do not.
const FEMALE_SURNAME = /(ova|eva|ina|ına|skaia|ckaia|zkaia|aia|kaia)$/;
const MALE_SURNAME = /(ov|ev|in|ski|cki|zki|oi|ii|ai)$/;

/** Gender implied by a surname ending (Филатьева -> f, Филатьев -> m, Шевченко -> unknown). */
export function genderOfSurname(familyName: string): Gender | undefined {
  const k = matchKey(familyName);
  if (k.length < 4) return undefined;
  if (FEMALE_SURNAME.test(k)) return 'f';
  if (MALE_SURNAME.test(k)) return 'm';
  return undefined;
}

/**
 * Best guess of gender: patronymic first (most reliable), then the given name, then the
 * surname. Undefined when nothing says.
 */
export function inferGender(givenName: string, familyName: string, patronymic: string): Gender | undefined {
  return (
    (patronymic !== '' ? genderOfPatronymic(patronymic) : undefined) ??
    (givenName !== '' ? genderOfGivenName(givenName) : undefined) ??
    (familyName !== '' ? genderOfSurname(familyName) : undefined)
  );
}

/** The parts of a double surname ("Петров-Водкин", "Rimsky Korsakov"), as matching keys. */
export function surnameParts(familyName: string): string[] {
  return familyName
    .split(/[\s\-–]+/)
    .map((p) => matchKey(p))
    .filter((k) => k.length > 1);
}

/** A full name split into its parts. */
export interface NameParts {
  givenName: string;
  familyName: string;
  patronymic: string;
}

/**
 * Splits a full name written in one field, in either order ("Филатьев Павел Андреевич" or
 * "Pavel Andreevich Filatyev"). The patronymic is found by its ending, the given name by the
 * diminutives table; what is left is the family name.
 */
export function splitFullName(fullName: string): NameParts {
  const tokens = fullName.split(/\s+/).filter(Boolean);
  let patronymic = '';
  let givenName = '';
  const rest: string[] = [];
  for (const t of tokens) {
    const k = matchKey(t);
    if (patronymic === '' && isPatronymicKey(k)) patronymic = t;
    else if (givenName === '' && nameGroupsOf(t).length > 0) givenName = t;
    else rest.push(t);
  }
  if (givenName === '' && rest.length > 1) givenName = rest.pop()!;
  return { givenName, familyName: rest.join(' '), patronymic };
}
