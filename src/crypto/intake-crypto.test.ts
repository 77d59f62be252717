import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  codenameFromToken,
  createEncryptStream,
  DataKey,
  DecryptionError,
  decryptStreamBuffer,
  deriveCodenameCredentials,
  formatCodename,
  issuePowChallenge,
  Keyring,
  normaliseCodename,
  solvePowChallenge,
  verifyPowSolution,
} from './index.ts';

const keyring = Keyring.fromRootKey(randomBytes(32));
const other = Keyring.fromRootKey(randomBytes(32));

async function encrypt(key: DataKey, data: Buffer, chunkSizes: number[]): Promise<Buffer> {
  const s = createEncryptStream(key, { table: 't', column: 'c', rowId: 'r' });
  const out: Buffer[] = [];
  s.on('data', (b: Buffer) => out.push(b));
  let i = 0;
  for (const n of chunkSizes) {
    s.write(data.subarray(i, i + n));
    i += n;
  }
  s.end(data.subarray(i));
  await new Promise((r) => s.on('end', r));
  return Buffer.concat(out);
}

describe('codenames', () => {
  it('are 16 digits, look like a phone number, and survive how people retype them', () => {
    const digits = codenameFromToken(keyring, 'token-1');
    expect(digits).toMatch(/^\d{16}$/);
    const shown = formatCodename(digits, 'доб.');
    expect(shown).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} доб\. \d{6}$/);
    expect(normaliseCodename(shown)).toBe(digits);
    expect(normaliseCodename(digits.replace(/(\d{4})/g, '$1 '))).toBe(digits);
    expect(normaliseCodename('123')).toBeUndefined();
    expect(codenameFromToken(keyring, 'token-1')).toBe(digits);
    expect(codenameFromToken(other, 'token-1')).not.toBe(digits);
  });

  it('derive a lookup id and a secret that only the same codename and root key reproduce', async () => {
    const a = await deriveCodenameCredentials(keyring, '1234567890123456');
    const b = await deriveCodenameCredentials(keyring, '1234567890123456');
    const c = await deriveCodenameCredentials(keyring, '1234567890123457');
    const d = await deriveCodenameCredentials(other, '1234567890123456');
    expect(a.lookupId.equals(b.lookupId)).toBe(true);
    expect(a.lookupId.equals(c.lookupId)).toBe(false);
    expect(a.lookupId.equals(d.lookupId)).toBe(false);
    const sealed = a.sealCaseId('case-1');
    expect(b.openCaseId(sealed)).toBe('case-1');
    expect(c.openCaseId(sealed)).toBeUndefined();
    expect(sealed.includes(Buffer.from('1234567890123456'))).toBe(false);
  });
});

describe('proof of work', () => {
  it('accepts a solution, refuses forged, expired and wrong ones', () => {
    const ch = issuePowChallenge(keyring, { difficulty: 8, ttlSeconds: 60 });
    const n = solvePowChallenge(ch.challenge, 8);
    expect(verifyPowSolution(keyring, ch.challenge, n).ok).toBe(true);
    expect(verifyPowSolution(other, ch.challenge, n)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyPowSolution(keyring, ch.challenge, n, Date.now() + 120_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    const harder = ch.challenge.replace('v1.8.', 'v1.2.');
    expect(verifyPowSolution(keyring, harder, '0').ok).toBe(false);
    expect(verifyPowSolution(keyring, 'garbage', '1')).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('streaming encryption', () => {
  it('round-trips any content split any way, and detects truncation, reordering and rebinding', async () => {
    const key = new DataKey(randomBytes(32));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200_000 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 4 }),
        async (size, splits) => {
          const data = randomBytes(size);
          const blob = await encrypt(key, data, splits);
          expect(decryptStreamBuffer(key, blob, { table: 't', column: 'c', rowId: 'r' }).equals(data)).toBe(
            true,
          );
          expect(() => decryptStreamBuffer(key, blob, { table: 't', column: 'c', rowId: 'other' })).toThrow(
            DecryptionError,
          );
          if (size > 70_000) {
            expect(() =>
              decryptStreamBuffer(key, blob.subarray(0, 11 + 65_536 + 16), {
                table: 't',
                column: 'c',
                rowId: 'r',
              }),
            ).toThrow(DecryptionError);
          }
          if (size > 0) {
            const flipped = Buffer.from(blob);
            flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
            expect(() => decryptStreamBuffer(key, flipped, { table: 't', column: 'c', rowId: 'r' })).toThrow(
              DecryptionError,
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
