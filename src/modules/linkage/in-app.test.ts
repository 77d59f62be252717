import { describe, expect, it } from 'vitest';
import { defaultModel } from './fellegi-sunter.ts';
import {
  BLOCKING_KEY_NAMES,
  BLOCKING_SLOTS,
  blendModelWithLabels,
  compareWithCandidates,
  isLinkageModel,
  personBlockingKeys,
  scorePrivate,
} from './in-app.ts';
import { RecordStore } from './record-store.ts';

describe('linkage pieces used by the app', () => {
  it('gives the same blocking keys for Cyrillic and Latin spellings of one person', () => {
    const a = personBlockingKeys({
      id: 'a',
      givenName: 'Павел',
      familyName: 'Филатьев',
      birthDate: '1988-03-21',
    });
    const b = personBlockingKeys({
      id: 'b',
      givenName: 'Pavel',
      familyName: 'Filatyev',
      birthDate: '1988-03-21',
    });
    expect(a.length).toBeGreaterThan(3);
    expect(a.filter((k) => b.some((o) => o.slot === k.slot && o.text === k.text)).length).toBeGreaterThan(2);
    expect(personBlockingKeys({ id: 'empty' })).toEqual([]);
  });

  it('gives every key of `sanctuary link`, the two without the year included, in slots 0..23', () => {
    const keys = personBlockingKeys({
      id: 'a',
      givenName: 'Тимофей',
      familyName: 'Гарипов',
      birthDate: '1984-03-14',
      phone: '+79120000000',
    });
    expect(BLOCKING_SLOTS).toBe(24);
    const keyOf = (slot: number) => BLOCKING_KEY_NAMES[Math.floor(slot / 3)];
    expect(new Set(keys.map((k) => keyOf(k.slot)))).toEqual(new Set(BLOCKING_KEY_NAMES));
    for (const k of keys) expect(k.slot).toBeLessThan(BLOCKING_SLOTS);
  });

  it('lists the blocking keys a candidate shares with the subject', () => {
    const [c] = compareWithCandidates(
      { id: 'a', givenName: 'Тимофей', familyName: 'Гарипов', birthDate: '1984-03-14' },
      [{ id: 'b', givenName: 'Тимоха', familyName: 'Гарипов', birthDate: '1985-03-14' }],
      defaultModel(),
    );
    // Тимоха is outside the diminutives table: the surname with the initial, and the surname
    // with the day and month, agree.
    expect(c!.sharedKeys.map((k) => BLOCKING_KEY_NAMES[k])).toEqual(['surname_given', 'surname_day_month']);
  });

  it('lists every shared token in private mode but credits the first six keys only (ADR 0028)', () => {
    const bits = new Uint32Array([0xff, 0xff]);
    const record = (blockingTokens: string[]) => ({ id: 'x', bits, popcount: 16, blockingTokens });
    // Keys 1 (surname + given name), 7 and 8 agree; 7 and 8 are not credited.
    const ours = record(['a', 'b', '', 'd', 'e', 'f', 'g', 'h']);
    const theirs = record(['z', 'b', '', 'y', 'x', 'w', 'g', 'h']);
    const m = scorePrivate(ours, theirs);
    expect(m.sharedKeys.map((k) => BLOCKING_KEY_NAMES[k])).toEqual([
      'surname_given',
      'surname_day_month',
      'day_month_given',
    ]);
    expect(m.dice).toBe(1);
    expect(m.score).toBe(1);
  });

  it('explains every field of a comparison', () => {
    const [c] = compareWithCandidates(
      { id: 'a', givenName: 'Павел', familyName: 'Филатьев', birthDate: '1988-05-07', phone: '+79120000000' },
      [{ id: 'b', givenName: 'Паша', familyName: 'Filatiev', birthDate: '1988-07-05', phone: '89120000000' }],
      defaultModel(),
    );
    expect(c!.explanation.probability).toBeGreaterThan(0.9);
    expect(c!.explanation.fields.map((f) => f.field)).toContain('phone');
    expect(c!.explanation.fields.find((f) => f.field === 'phone')!.level).toBe('same');
  });

  it('moves m towards labelled matches, in proportion to how many there are', () => {
    const store = new RecordStore();
    for (let i = 0; i < 40; i++) {
      store.add({ id: `x${i}`, familyName: 'Орлов', givenName: 'Иван', birthDate: '1990-01-01' });
      store.add({ id: `y${i}`, familyName: 'Орлов', givenName: 'Иван', birthDate: '1991-06-02' });
    }
    // Reviewers say: same name, different birth dates, still the same person (twice as often as not).
    const pairs = Array.from({ length: 40 }, (_, i) => ({ a: 2 * i, b: 2 * i + 1, match: true }));
    const prior = defaultModel();
    const few = blendModelWithLabels(store, pairs.slice(0, 2), prior, 50);
    const many = blendModelWithLabels(store, pairs, prior, 50);
    const differentDate = (m: typeof prior) => m.m[3]![0]!;
    expect(differentDate(few)).toBeGreaterThan(differentDate(prior));
    expect(differentDate(many)).toBeGreaterThan(differentDate(few));
    expect(isLinkageModel(many)).toBe(true);
    expect(isLinkageModel({ m: [], u: [], lambda: 2 })).toBe(false);
  });
});
