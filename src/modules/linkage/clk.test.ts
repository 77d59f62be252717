import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_LEVELS, KEYS_PER_RECORD } from './blocking.ts';
import { blockingTokenOf, createClkEncoder, encodingHeader, exportEncoding, importEncodings } from './clk.ts';
import { diceCoefficient, packEncodings, popcount32, searchDice } from './dice.ts';
import { buildDiceKernel, wasmSimdAvailable } from './wasm-popcount.ts';

const secret = Buffer.alloc(32, 1);

describe('CLK encodings', () => {
  const enc = createClkEncoder(secret);
  const a = enc.encode({ id: '1', givenName: 'Павел', familyName: 'Филатьев', birthDate: '1988-03-21' });
  const b = enc.encode({ id: '2', givenName: 'Pasha', familyName: 'Filatyev', birthDate: '21.03.1988' });
  const c = enc.encode({ id: '3', givenName: 'Ирина', familyName: 'Смирнова', birthDate: '1970-01-05' });

  it('gives near-identical encodings to spellings of one person and distant ones to others', () => {
    expect(diceCoefficient(a.bits, b.bits, a.popcount, b.popcount)).toBeGreaterThan(0.9);
    expect(diceCoefficient(a.bits, c.bits, a.popcount, c.popcount)).toBeLessThan(0.6);
    expect(a.blockingTokens[1]).toBe(b.blockingTokens[1]);
  });

  it('depends on the secret', () => {
    const other = createClkEncoder(Buffer.alloc(32, 2)).encode({
      id: '1',
      givenName: 'Павел',
      familyName: 'Филатьев',
    });
    const same = enc.encode({ id: '1', givenName: 'Павел', familyName: 'Филатьев' });
    expect(diceCoefficient(other.bits, same.bits, other.popcount, same.popcount)).toBeLessThan(0.6);
    expect(createClkEncoder(Buffer.alloc(32, 2)).fingerprint).not.toBe(enc.fingerprint);
  });

  it('round-trips through export and import, and refuses another secret', () => {
    const lines = [JSON.stringify(encodingHeader(enc)), exportEncoding(a), exportEncoding(c)];
    const back = importEncodings(lines, enc.fingerprint);
    expect(back.map((e) => e.id)).toEqual(['1', '3']);
    expect([...back[0]!.bits]).toEqual([...a.bits]);
    expect(() => importEncodings(lines, 'deadbeefdeadbeef')).toThrow(/another linkage secret/);
  });

  it('computes refinement tokens on demand and exports all of them', () => {
    const full = enc.encode({
      id: '4',
      givenName: 'Павел',
      familyName: 'Филатьев',
      birthDate: '1988-03-21',
      phone: '+79120000000',
    });
    expect(full.blockingTokens).toHaveLength(KEYS_PER_RECORD);
    const [back] = importEncodings([JSON.stringify(encodingHeader(enc)), exportEncoding(full)]);
    expect(back!.blockingTokens).toHaveLength(KEYS_PER_RECORD * BLOCK_LEVELS);
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      for (let k = 0; k < KEYS_PER_RECORD; k++) {
        expect(blockingTokenOf(back!, k, level)).toBe(blockingTokenOf(full, k, level));
      }
    }
    // Surname + year refined by the given name's initial: a token of its own, not the key's.
    expect(blockingTokenOf(full, 0, 1)).not.toBe('');
    expect(blockingTokenOf(full, 0, 1)).not.toBe(blockingTokenOf(full, 0, 0));
  });
});

describe('Dice kernels', () => {
  it('popcount32 counts bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let c = 0;
        for (let v = x; v !== 0; v = Math.floor(v / 2)) c += v % 2;
        return popcount32(x) === c;
      }),
    );
  });

  it('assembles a valid WebAssembly SIMD module', () => {
    expect(wasmSimdAvailable()).toBe(true);
    expect(WebAssembly.validate(buildDiceKernel(1024))).toBe(true);
  });

  it('finds exactly the pairs a brute-force scan finds, with both kernels', async () => {
    const rows = (n: number, seed: number) =>
      Array.from({ length: n }, (_, r) => {
        const w = new Uint32Array(16);
        for (let i = 0; i < 16; i++)
          w[i] = (Math.imul(seed + r * 31 + i, 2654435761) ^ (r * 7919)) >>> (r % 5);
        return w;
      });
    const base = rows(300, 1);
    const queries = [...rows(20, 2), base[3]!, base[200]!];
    const bm = packEncodings(base, 512);
    const qm = packEncodings(queries, 512);
    const expected = new Set<string>();
    for (const [i, q] of queries.entries()) {
      for (const [j, r] of base.entries()) {
        if (diceCoefficient(q, r, qm.popcounts[i]!, bm.popcounts[j]!) >= 0.5) expected.add(`${i}:${j}`);
      }
    }
    for (const jsKernel of [true, false]) {
      const res = await searchDice(qm, bm, 0.5, { jsKernel, workers: 2 });
      const got = new Set(Array.from(res.query, (q, k) => `${q}:${res.base[k]}`));
      expect(got).toEqual(expected);
      expect(got.has('20:3')).toBe(true);
    }
  });
});
