import { describe, expect, it } from 'vitest';
import {
  compareDates,
  DATE_DIFFERENT,
  DATE_EXACT,
  DATE_MISSING,
  DATE_NEAR,
  DATE_PARTIAL,
  DATE_SAME_YEAR,
  parseDate,
} from './dates.ts';
import { genderOfPatronymic, genderOfSurname, inferGender, splitFullName, surnameParts } from './names.ts';
import { comparePhones, normalizePhone, PHONE_EXACT, PHONE_TAIL } from './phone.ts';
import { type PersonRecord, RecordStore } from './record-store.ts';
import { matchKey } from './transliterate.ts';

describe('dates', () => {
  it.each([
    ['1988-03-21', { year: 1988, month: 3, day: 21 }],
    ['21.03.1988', { year: 1988, month: 3, day: 21 }],
    ['1988-03', { year: 1988, month: 3, day: 0 }],
    ['03.1988', { year: 1988, month: 3, day: 0 }],
    ['1988', { year: 1988, month: 0, day: 0 }],
  ])('parses %s', (text, expected) => {
    expect(parseDate(text)).toEqual(expected);
  });

  it.each(['', '1988-13-01', '32.01.1988', 'yesterday', '1850', '1988-00-05'])('rejects %j', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });

  it.each([
    ['1988-03-21', '21.03.1988', DATE_EXACT],
    ['1988-03-21', '1988-21-03', undefined],
    ['1988-03-11', '1988-11-03', DATE_NEAR],
    ['1988-03-21', '1989-03-21', DATE_NEAR],
    ['1988-03-21', '1988-03-24', DATE_NEAR],
    ['1988-03-21', '1988-03', DATE_PARTIAL],
    ['1988-03-21', '1988', DATE_PARTIAL],
    ['1988-03-21', '1988-07-02', DATE_SAME_YEAR],
    ['1988-03-21', '1975-07-02', DATE_DIFFERENT],
    ['1988', '1990', DATE_DIFFERENT],
  ])('%s vs %s', (a, b, level) => {
    const pa = parseDate(a);
    const pb = parseDate(b);
    if (level === undefined) expect(pb).toBeUndefined();
    else expect(compareDates(pa, pb)).toBe(level);
  });

  it('treats a missing date as missing', () => {
    expect(compareDates(undefined, parseDate('1988'))).toBe(DATE_MISSING);
  });
});

describe('phones', () => {
  it.each([
    ['+7 912 000-00-00', '+79120000000'],
    ['8 (912) 000-00-00', '+79120000000'],
    ['89120000000', '+79120000000'],
    ['79120000000', '+79120000000'],
    ['912 000 00 00', '+79120000000'],
    ['+380 67 123 45 67', '+380671234567'],
    ['0671234567', '+380671234567'],
    ['0049 30 1234567', '+49301234567'],
  ])('%s -> %s', (text, e164) => {
    expect(normalizePhone(text)).toBe(e164);
  });

  it.each(['', 'call me', '12345', '+7 912 000', '8 912 000 00 00 00 00'])('rejects %j', (text) => {
    expect(normalizePhone(text)).toBeUndefined();
  });

  it('compares exact and by subscriber number', () => {
    expect(comparePhones('+79120000000', '+79120000000')).toBe(PHONE_EXACT);
    expect(comparePhones('+79120000000', '+79220000000')).toBe(PHONE_TAIL);
  });
});

describe('names', () => {
  it('takes gender from patronymics and surnames in any script', () => {
    expect(genderOfPatronymic('Андреевич')).toBe('m');
    expect(genderOfPatronymic('Andreevna')).toBe('f');
    expect(genderOfPatronymic('Ильинична')).toBe('f');
    expect(genderOfSurname('Филатьева')).toBe('f');
    expect(genderOfSurname('Filatyev')).toBe('m');
    expect(genderOfSurname('Достоевская')).toBe('f');
    expect(genderOfSurname('Шевченко')).toBeUndefined();
    expect(inferGender('Саша', 'Шевченко', 'Ивановна')).toBe('f');
  });

  it('splits double surnames and full names in either order', () => {
    expect(surnameParts('Петров-Водкин')).toHaveLength(2);
    expect(splitFullName('Филатьев Павел Андреевич')).toEqual({
      givenName: 'Павел',
      familyName: 'Филатьев',
      patronymic: 'Андреевич',
    });
    expect(splitFullName('Pavel Andreevich Filatyev').familyName).toBe('Filatyev');
  });
});

describe('given and family name written the wrong way round', () => {
  const normalised = (r: Omit<PersonRecord, 'id'>) => {
    const store = new RecordStore();
    store.add({ id: 'x', ...r });
    return {
      family: store.keys[store.family[0]!],
      given: store.keys[store.given[0]!],
      group: store.group1[0],
    };
  };

  it.each([
    [
      { givenName: 'Мидосская', familyName: 'Дана' },
      { givenName: 'Дана', familyName: 'Мидосская' },
    ],
    [
      { givenName: 'Kozlova', familyName: 'Tina' },
      { givenName: 'Тина', familyName: 'Козлова' },
    ],
    [
      { givenName: 'Ivanov', familyName: 'Sashka' },
      { givenName: 'Сашка', familyName: 'Иванов' },
    ],
  ])('puts a known given name written as the family name back in its place: %j', (swapped, right) => {
    expect(normalised(swapped)).toEqual(normalised(right));
    expect(normalised(swapped).group).toBeGreaterThanOrEqual(0);
  });

  it.each([
    // Both are given names in the table (Bohdan is also a surname): left as written.
    { givenName: 'Сергей', familyName: 'Богдан' },
    // Neither is: left as written.
    { givenName: 'Zvyunkuk', familyName: 'Mrtvyi' },
    // A double surname is never a given name.
    { givenName: 'Petrov', familyName: 'Roman-Lev' },
  ])('leaves %j as written', (r) => {
    const n = normalised(r);
    expect(n.family).toBe(matchKey(r.familyName.replace('-', '')));
    expect(n.given).toBe(matchKey(r.givenName));
  });
});
