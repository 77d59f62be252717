import { describe, expect, it } from 'vitest';
import { genderOfGivenName, NAME_GROUPS, nameGroupsOf, sameGivenName } from './diminutives.ts';

describe('diminutives table', () => {
  it('has at least 150 name groups, each with a gender, full forms and diminutives', () => {
    expect(NAME_GROUPS.length).toBeGreaterThanOrEqual(150);
    for (const g of NAME_GROUPS) {
      expect(g.fullForms.length).toBeGreaterThan(0);
      expect(g.diminutives.length).toBeGreaterThan(0);
    }
  });

  it('lists every full name only once', () => {
    const first = NAME_GROUPS.map((g) => g.fullForms[0]);
    expect(new Set(first).size).toBe(first.length);
  });

  it.each([
    ['Паша', 'Павел'],
    ['Pasha', 'Pavel'],
    ['Pavlo', 'Павел'],
    ['Саша', 'Александр'],
    ['Sasha', 'Oleksandr'],
    ['Шура', 'Aleksandra'],
    ['Санёк', 'Alexander'],
    ['Oleksii', 'Алексей'],
    ['Lyosha', 'Aleksei'],
    ['Mykola', 'Николай'],
    ['Kolya', 'Nikolay'],
    ['Женя', 'Evgenii'],
    ['Zhenya', 'Yevgeniya'],
    ['Dima', 'Dmitry'],
    ['Mitya', 'Дмитрий'],
    ['Vova', 'Vladimir'],
    ['Volodymyr', 'Владимир'],
    ['Natasha', 'Natalia'],
    ['Katya', 'Ekaterina'],
    ['Kateryna', 'Екатерина'],
    ['Hanna', 'Анна'],
    ['Nyura', 'Anna'],
    ['Serhii', 'Серёжа'],
    ['Petro', 'Pyotr'],
    ['Semen', 'Сёма'],
    ['Lena', 'Olena'],
    ['Kostya', 'Kostiantyn'],
    ['Yura', 'Iurii'],
    ['Ksyusha', 'Оксана'],
    ['Tanya', 'Tetiana'],
  ])('%s is the same name as %s', (a, b) => {
    expect(sameGivenName(a, b)).toBe(true);
  });

  it.each([
    ['Иван', 'Пётр'],
    ['Pasha', 'Sasha'],
    ['Natalia', 'Nadezhda'],
    ['Oleg', 'Olga'],
    ['Dmitry', 'Denis'],
  ])('%s is not the same name as %s', (a, b) => {
    expect(sameGivenName(a, b)).toBe(false);
  });

  it('finds groups in any script and knows ambiguous diminutives', () => {
    expect(nameGroupsOf('Саша').length).toBe(2);
    expect(genderOfGivenName('Natasha')).toBe('f');
    expect(genderOfGivenName('Mykola')).toBe('m');
    expect(genderOfGivenName('Sasha')).toBeUndefined();
    expect(nameGroupsOf('Xyzzy')).toEqual([]);
  });
});
