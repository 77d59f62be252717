import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRecords, pairwiseScores } from './generator.ts';
import { linkRecords } from './link.ts';
import { type PersonRecord, RecordError, validateRecord } from './record-store.ts';

const pool = generateRecords({ records: 400, seed: 5 }).map((g) => g.record);
const complete = pool.filter((r) => r.givenName && r.familyName && r.birthDate);
const arbRecord = fc.constantFrom(...pool);

function sameCluster(records: PersonRecord[], a: string, b: string): boolean {
  const res = linkRecords(records);
  const ia = res.ids.indexOf(a);
  const ib = res.ids.indexOf(b);
  return res.clusterOf[ia] === res.clusterOf[ib];
}

describe('linkRecords', () => {
  it('joins a record whose birth day has a mistyped tens digit to the rest of its person', () => {
    const records: PersonRecord[] = [
      {
        id: 'a',
        givenName: 'Вадим',
        familyName: 'Тевёдан',
        birthDate: '1994-03-20',
        phone: '+7 920 958-39-75',
      },
      { id: 'b', givenName: 'Vadim', familyName: 'Tevyodan', birthDate: '20.03.1994', phone: '89209583975' },
      // 20 -> 01: two digits differ, but year and month agree and so do the names and phone.
      {
        id: 'c',
        givenName: 'Vadim',
        familyName: 'Tevedan',
        birthDate: '01.03.1994',
        phone: '8 (920) 958-39-75',
      },
    ];
    expect(sameCluster(records, 'a', 'b')).toBe(true);
    expect(sameCluster(records, 'a', 'c')).toBe(true);
  });

  it('links a record with given and family name swapped and a diminutive', () => {
    const records: PersonRecord[] = [
      { id: 'a', givenName: 'Богдана', familyName: 'Мидосская', birthDate: '1971-06-09' },
      {
        id: 'b',
        givenName: 'Мидосская',
        familyName: 'Дана',
        patronymic: 'Тарасовна',
        birthDate: '1971-06-09',
      },
      { id: 'c', givenName: 'Дана', familyName: 'Мидосская', birthDate: '1980-01-01' },
    ];
    expect(sameCluster(records, 'a', 'b')).toBe(true);
    expect(sameCluster(records, 'a', 'c')).toBe(false);
  });

  it('links the spellings of one person and keeps a namesake with another birth date apart', () => {
    const records: PersonRecord[] = [
      {
        id: 'a',
        givenName: 'Павел',
        familyName: 'Филатьев',
        patronymic: 'Андреевич',
        birthDate: '1988-03-21',
      },
      {
        id: 'b',
        givenName: 'Pavel',
        familyName: 'Filatyev',
        birthDate: '21.03.1988',
        phone: '+7 912 000-00-00',
      },
      { id: 'c', givenName: 'Паша', familyName: 'Filatiev', birthDate: '1988-03-21' },
      { id: 'd', givenName: 'Pawel', familyName: 'Filatjew', birthDate: '1988-03-12', phone: '89120000000' },
      { id: 'e', givenName: 'Павел', familyName: 'Филатьев', birthDate: '1961-11-02', phone: '+79995550000' },
    ];
    const res = linkRecords(records);
    const c = (id: string) => res.clusterOf[res.ids.indexOf(id)];
    expect(c('b')).toBe(c('a'));
    expect(c('c')).toBe(c('a'));
    expect(c('d')).toBe(c('a'));
    expect(c('e')).not.toBe(c('a'));
    const why = res.explain('b');
    expect(why?.comparisons[0]?.fields.find((f) => f.field === 'familyName')?.level).toBe('same');
    expect(why?.comparisons[0]?.fields.every((f) => Number.isFinite(f.weight))).toBe(true);
  });

  it('links a record with a copy of itself', () => {
    fc.assert(
      fc.property(fc.constantFrom(...complete), (r) => sameCluster([r, { ...r, id: 'copy' }], r.id, 'copy')),
      { numRuns: 60 },
    );
  });

  it('is symmetric: the order of two records does not change whether they link', () => {
    fc.assert(
      fc.property(arbRecord, arbRecord, (a, b) => {
        if (a.id === b.id) return true;
        return sameCluster([a, b], a.id, b.id) === sameCluster([b, a], a.id, b.id);
      }),
      { numRuns: 80 },
    );
  });

  it('gives exactly one cluster per input record', () => {
    fc.assert(
      fc.property(fc.subarray(pool, { minLength: 0, maxLength: 60 }), (records) => {
        const res = linkRecords(records);
        return res.ids.length === records.length && res.clusterOf.length === records.length;
      }),
      { numRuns: 30 },
    );
  });

  it('handles empty input', () => {
    const res = linkRecords([]);
    expect(res.ids).toEqual([]);
    expect(res.stats.clusters).toBe(0);
  });

  it('refuses duplicate ids', () => {
    expect(() => linkRecords([{ id: 'x' }, { id: 'x' }])).toThrow(RecordError);
  });

  it('reaches F1 above 0.9 on a small generated sample (the benchmark measures the real figure)', () => {
    const gen = generateRecords({ records: 3000, seed: 9 });
    const res = linkRecords(gen.map((g) => g.record));
    const s = pairwiseScores(
      res.clusterOf,
      gen.map((g) => g.entity),
    );
    expect(s.f1).toBeGreaterThan(0.9);
  });
});

describe('validateRecord', () => {
  it('accepts a minimal record and ignores unknown fields', () => {
    expect(validateRecord({ id: 'r1', notes: 'x' })).toEqual({ id: 'r1' });
  });
  it.each([
    [null, 'not a JSON object'],
    [[1], 'not a JSON object'],
    [{}, 'missing "id"'],
    [{ id: '' }, 'empty "id"'],
    [{ id: 'r', givenName: 5 }, '"givenName" is not a string'],
    [{ id: 'r', familyName: 'x'.repeat(301) }, '"familyName" longer than 300 characters'],
  ])('rejects %j', (value, message) => {
    expect(() => validateRecord(value)).toThrow(message);
  });
});
