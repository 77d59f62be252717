import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLinkageTokenStream, linkageToken, linkageTokensBulk } from '../../crypto/index.ts';
import { BLOCK_LEVELS, CORE_KEYS, KEYS_PER_RECORD } from './blocking.ts';
import {
  blockingTokenOf,
  createClkEncoder,
  ENCODING_FORMAT_VERSION,
  encodingHeader,
  exportEncoding,
  importEncodings,
} from './clk.ts';
import { diceCoefficient, packEncodings, popcount32, searchDice } from './dice.ts';
import { generateRecords } from './generator.ts';
import { RecordStore } from './record-store.ts';
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

  it('writes format version 3, reads versions 1 and 2 into the current layout, and refuses other versions clearly', () => {
    expect(encodingHeader(enc).version).toBe(ENCODING_FORMAT_VERSION);
    expect(ENCODING_FORMAT_VERSION).toBe(3);
    const full = enc.encode({ id: '5', givenName: 'Павел', familyName: 'Филатьев', birthDate: '1988-03-21' });
    // A version-1 line: six keys per level, as the previous release wrote them.
    const v1Blocks: string[] = [];
    for (let level = 0; level < BLOCK_LEVELS; level++)
      for (let k = 0; k < CORE_KEYS; k++) v1Blocks.push(blockingTokenOf(full, k, level));
    const v1Line = JSON.stringify({
      id: '5',
      clk: Buffer.from(full.bits.buffer, full.bits.byteOffset, full.bits.byteLength).toString('base64'),
      blocks: v1Blocks,
    });
    const v1Header = JSON.stringify({ ...encodingHeader(enc), version: 1 });
    const [back] = importEncodings([v1Header, v1Line], enc.fingerprint);
    expect(back!.blockingTokens).toHaveLength(KEYS_PER_RECORD * BLOCK_LEVELS);
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      for (let k = 0; k < KEYS_PER_RECORD; k++) {
        // Keys 2 and 6 (0-based 1 and 5) were redefined in version 3: read as absent.
        const kept = k < CORE_KEYS && k !== 1 && k !== 5;
        expect(blockingTokenOf(back!, k, level)).toBe(kept ? blockingTokenOf(full, k, level) : '');
      }
    }
    // A version-2 line: all eight keys, of which keys 2 and 6 now mean something else.
    const v2Header = JSON.stringify({ ...encodingHeader(enc), version: 2 });
    const [v2] = importEncodings([v2Header, exportEncoding(full)], enc.fingerprint);
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      for (let k = 0; k < KEYS_PER_RECORD; k++) {
        const kept = k !== 1 && k !== 5;
        expect(blockingTokenOf(v2!, k, level)).toBe(kept ? blockingTokenOf(full, k, level) : '');
      }
    }
    const v4Header = JSON.stringify({ ...encodingHeader(enc), version: 4 });
    expect(() => importEncodings([v4Header, v1Line])).toThrow(/version 4 is not supported.*reads 1 to 3/);
  });

  it('encodes a whole store in bulk exactly as record by record, with worker threads or without', () => {
    const store = new RecordStore();
    for (const g of generateRecords({ records: 3000, seed: 3 })) store.add(g.record);
    const one = createClkEncoder(secret);
    const expected = Array.from({ length: store.size }, (_, i) => one.encodeStored(store, i));
    for (const threads of [1, 2]) {
      const got = createClkEncoder(secret).encodeAll(store, threads);
      expect(got.map((e) => e.blockingTokens)).toEqual(expected.map((e) => e.blockingTokens));
      expect(got.map((e) => [...e.bits])).toEqual(expected.map((e) => [...e.bits]));
      expect(blockingTokenOf(got[7]!, 0, 2)).toBe(blockingTokenOf(expected[7]!, 0, 2));
    }
  });

  it('exports byte-identical lines from the bulk path, for every hardening', () => {
    const store = new RecordStore();
    for (const g of generateRecords({ records: 2000, seed: 11 })) store.add(g.record);
    for (const hardening of ['none', 'xor-fold', 'balance'] as const) {
      const one = createClkEncoder(secret, { hardening });
      const expected = Array.from({ length: store.size }, (_, i) =>
        exportEncoding(one.encodeStored(store, i)),
      );
      // A warm encoder too: its token memo is consulted instead of the stream.
      const warm = createClkEncoder(secret, { hardening });
      warm.encodeStored(store, 5);
      for (const enc of [createClkEncoder(secret, { hardening }), warm]) {
        expect(enc.encodeAll(store, 2).map(exportEncoding)).toEqual(expected);
      }
    }
  });
});

describe('bulk linkage tokens', () => {
  it('gives the same tokens, in order, from worker threads as from this one', () => {
    const key = Buffer.alloc(32, 5);
    const texts = Array.from({ length: 9000 }, (_, i) => `y${i % 97}:${1960 + (i % 46)}:${i}`);
    const workers = linkageTokensBulk(key, texts, 2, 12, 1000);
    expect(workers).toEqual(texts.map((t) => linkageToken(key, t)));
    expect(new Set(workers).size).toBe(texts.length);
  });
});

describe('linkage token streams', () => {
  const key = Buffer.alloc(32, 6);
  const texts = Array.from({ length: 6000 }, (_, i) => `g${i % 89}:ПВЛ${i}:${1950 + (i % 60)}`);

  it('gives the one-thread tokens, in push order, whether the worker or this thread hashed them', () => {
    const expected = texts.map((t) => linkageToken(key, t));
    for (const threads of [1, 2]) {
      const stream = createLinkageTokenStream(key, { threads, expectedTexts: texts.length });
      expect(texts.map((t) => stream.push(t))).toEqual(texts.map((_, i) => i));
      // Leave the worker time to take its share before this thread takes the rest.
      if (threads === 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      const { tokens, byWorker } = stream.finish();
      expect(tokens).toEqual(expected);
      if (threads === 1) expect(byWorker).toBe(0);
      else expect(byWorker).toBeGreaterThan(0);
    }
  });

  it('hashes in this thread what does not fit the shared buffers', () => {
    const stream = createLinkageTokenStream(key, { threads: 2, expectedTexts: 100 });
    for (const t of texts) stream.push(t);
    expect(stream.finish().tokens).toEqual(texts.map((t) => linkageToken(key, t)));
    expect(() => createLinkageTokenStream(key, { threads: 1, expectedTexts: 1, bytes: 16 })).toThrow(
      /multiple of 3/,
    );
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
