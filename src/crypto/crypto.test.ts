import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditPublicKey,
  BLIND_INDEXES,
  type BlindIndexName,
  blindIndex,
  checkCsrfToken,
  checkTotp,
  combineShares,
  csrfToken,
  DecryptionError,
  decryptFieldText,
  encryptField,
  expectedCoincidences,
  generateDataKey,
  generateRootKey,
  Keyring,
  newTotpSecret,
  parseShare,
  rewrapDataKey,
  SealedError,
  ShareFormatError,
  signAudit,
  splitRootKey,
  totpCode,
  unwrapDataKey,
  verifyAuditSignature,
  WrongKeyError,
  wrapDataKey,
} from './index.ts';
import { hkdf } from './primitives.ts';

const binding = { table: 'cases', column: 'story', rowId: '11111111-1111-1111-1111-111111111111' };

describe('envelope encryption', () => {
  it('round-trips any text', () => {
    const key = generateDataKey();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(decryptFieldText(key, encryptField(key, text, binding), binding)).toBe(text);
      }),
    );
  });

  it('never writes the plaintext into the ciphertext, and uses a fresh nonce each time', () => {
    const key = generateDataKey();
    const a = encryptField(key, 'Павел Филатьев CANARY', binding);
    const b = encryptField(key, 'Павел Филатьев CANARY', binding);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('CANARY'))).toBe(false);
  });

  it('never repeats a nonce across pool refills', () => {
    const key = generateDataKey();
    const nonces = new Set<string>();
    // Several refills of the 341-nonce pool.
    for (let i = 0; i < 2_000; i += 1) {
      nonces.add(encryptField(key, 'x', binding).subarray(1, 13).toString('hex'));
    }
    expect(nonces.size).toBe(2_000);
  });

  it.each([
    ['another row', { ...binding, rowId: '22222222-2222-2222-2222-222222222222' }],
    ['another column', { ...binding, column: 'person' }],
    ['another table', { ...binding, table: 'case_notes' }],
  ])('refuses a ciphertext moved to %s', (_label, moved) => {
    const key = generateDataKey();
    const blob = encryptField(key, 'secret story', binding);
    expect(() => decryptFieldText(key, blob, moved)).toThrow(DecryptionError);
  });

  it('refuses a ciphertext with any single byte flipped', () => {
    const key = generateDataKey();
    const blob = encryptField(key, 'secret story', binding);
    for (let i = 0; i < blob.length; i += 1) {
      const tampered = Buffer.from(blob);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(() => decryptFieldText(key, tampered, binding)).toThrow(DecryptionError);
    }
  });

  it('refuses a ciphertext under another case key', () => {
    const blob = encryptField(generateDataKey(), 'secret', binding);
    expect(() => decryptFieldText(generateDataKey(), blob, binding)).toThrow(DecryptionError);
  });

  it('binds a wrapped data key to its subject and root key', () => {
    const keyring = Keyring.fromRootKey(generateRootKey());
    const dataKey = generateDataKey();
    const wrapped = wrapDataKey(keyring, 'case:a', dataKey);
    expect(unwrapDataKey(keyring, 'case:a', wrapped).material.equals(dataKey.material)).toBe(true);
    expect(() => unwrapDataKey(keyring, 'case:b', wrapped)).toThrow(DecryptionError);
    const other = Keyring.fromRootKey(generateRootKey());
    expect(() => unwrapDataKey(other, 'case:a', wrapped)).toThrow(WrongKeyError);
  });

  it('re-wraps a data key to a new root key without changing the data key', () => {
    const oldRing = Keyring.fromRootKey(generateRootKey());
    const newRing = Keyring.fromRootKey(generateRootKey());
    const dataKey = generateDataKey();
    const blob = encryptField(dataKey, 'kept', binding);
    const moved = rewrapDataKey(oldRing, newRing, 'case:a', wrapDataKey(oldRing, 'case:a', dataKey));
    expect(moved.keyId).toBe(newRing.keyId);
    expect(decryptFieldText(unwrapDataKey(newRing, 'case:a', moved), blob, binding)).toBe('kept');
  });
});

describe('keyring', () => {
  it('derives different keys for different purposes, and nothing once sealed', () => {
    const keyring = Keyring.fromRootKey(generateRootKey());
    expect(keyring.derive('a').equals(keyring.derive('b'))).toBe(false);
    keyring.seal();
    expect(() => keyring.derive('a')).toThrow(SealedError);
  });

  it('derives the same key each time, and hands out copies a caller may zero', () => {
    const root = generateRootKey();
    const keyring = Keyring.fromRootKey(root);
    const first = keyring.derive('purpose');
    const expected = Buffer.from(first);
    first.fill(0);
    expect(keyring.derive('purpose').equals(expected)).toBe(true);
    // The same derivation from a fresh keyring over the same root (nothing cached there).
    expect(Keyring.fromRootKey(root).derive('purpose').equals(expected)).toBe(true);
    expect(keyring.derive('purpose', 64).subarray(0, 32).equals(expected)).toBe(true);
    expect(keyring.derive('purpose', 64).length).toBe(64);
  });
});

describe('derivation key (ADR 0082)', () => {
  it('keeps every derived key across rotation and replaces only the wrapping key', () => {
    const first = Keyring.withNewDerivationKey(generateRootKey());
    const nextRoot = generateRootKey();
    const next = first.rotatedTo(Buffer.from(nextRoot));
    expect(next.keyId).not.toBe(first.keyId);
    expect(next.derive('blind-index/person_phone').equals(first.derive('blind-index/person_phone'))).toBe(
      true,
    );
    expect(auditPublicKey(next)).toBe(auditPublicKey(first));
    expect(next.wrappingKey().equals(first.wrappingKey())).toBe(false);
    // What the database stores reopens under the new root only.
    const reopened = Keyring.fromRootKey(nextRoot, next.wrappedDerivationKey());
    expect(reopened.derive('csrf').equals(first.derive('csrf'))).toBe(true);
    expect(() => Keyring.fromRootKey(generateRootKey(), next.wrappedDerivationKey())).toThrow(
      DecryptionError,
    );
  });

  it('derives what it always did for a root key stored without a derivation key', () => {
    const root = generateRootKey();
    const legacy = Keyring.fromRootKey(root);
    expect(legacy.derive('intake/pow').equals(hkdf(root, 'sanctuary/intake/pow/v1'))).toBe(true);
    expect(legacy.wrappingKey().equals(hkdf(root, 'sanctuary/kek/v1'))).toBe(true);
    // Its first rotation carries those derivations over.
    expect(legacy.rotatedTo(generateRootKey()).derive('intake/pow').equals(legacy.derive('intake/pow'))).toBe(
      true,
    );
  });
});

describe('Shamir shares', () => {
  it('reconstructs the key from any k shares', async () => {
    const root = generateRootKey();
    const keyring = Keyring.fromRootKey(root);
    const shares = await splitRootKey(root, keyring.keyId, 5, 3);
    expect(shares).toHaveLength(5);
    const parsed = shares.map(parseShare);
    for (const pick of [
      [0, 1, 2],
      [1, 3, 4],
      [4, 2, 0],
    ]) {
      const combined = await combineShares(pick.map((i) => parsed[i]!));
      expect(combined.equals(root)).toBe(true);
    }
  });

  it('gives a different key from k-1 shares', async () => {
    const root = generateRootKey();
    const shares = (await splitRootKey(root, Keyring.fromRootKey(root).keyId, 5, 3)).map(parseShare);
    const combined = await combineShares([shares[0]!, shares[1]!]);
    expect(combined.equals(root)).toBe(false);
  });

  it('catches a mistyped share by its checksum', async () => {
    const root = generateRootKey();
    const [share] = await splitRootKey(root, Keyring.fromRootKey(root).keyId, 3, 2);
    const body = share!.split('.')[2]!;
    const typo = share!.replace(body, body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6));
    expect(() => parseShare(typo)).toThrow(ShareFormatError);
    expect(() => parseShare('not a share')).toThrow(ShareFormatError);
    expect(() => parseShare('x'.repeat(10_000))).toThrow(ShareFormatError);
  });

  it('refuses impossible thresholds', async () => {
    const root = generateRootKey();
    await expect(splitRootKey(root, 'ab', 2, 3)).rejects.toThrow(RangeError);
    await expect(splitRootKey(root, 'ab', 3, 1)).rejects.toThrow(RangeError);
  });
});

describe('blind indexes', () => {
  it.each(Object.keys(BLIND_INDEXES) as BlindIndexName[])('%s keeps 2 <= C < sqrt(R)', (name) => {
    const c = expectedCoincidences(name);
    expect(c).toBeGreaterThanOrEqual(2);
    expect(c).toBeLessThan(Math.sqrt(BLIND_INDEXES[name].expectedRows));
  });

  it('is deterministic per key and index, and differs across indexes and keys', () => {
    const a = Keyring.fromRootKey(generateRootKey());
    const b = Keyring.fromRootKey(generateRootKey());
    const values = Array.from({ length: 64 }, (_, i) => `+7912000${String(i).padStart(4, '0')}`);
    expect(blindIndex(a, 'person_phone', values[0]!)).toBe(blindIndex(a, 'person_phone', values[0]!));
    const sameAcrossIndexes = values.filter(
      (v) => blindIndex(a, 'person_phone', v) === blindIndex(a, 'person_document', v),
    );
    const sameAcrossKeys = values.filter(
      (v) => blindIndex(a, 'person_phone', v) === blindIndex(b, 'person_phone', v),
    );
    expect(sameAcrossIndexes.length).toBeLessThan(4);
    expect(sameAcrossKeys.length).toBeLessThan(4);
    for (const v of values) expect(blindIndex(a, 'person_phone', v)).toBeLessThan(2 ** 16);
  });
});

describe('TOTP', () => {
  it('accepts the current code, reports its step, and refuses a wrong one', () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 10, 22, 12, 0, 10);
    expect(checkTotp(secret, totpCode(secret, now), now)).toBe(Math.floor(now / 30_000));
    expect(checkTotp(secret, totpCode(secret, now - 5 * 60_000), now)).toBeNull();
    expect(checkTotp(secret, 'abcdef', now)).toBeNull();
  });
});

describe('signatures and CSRF tokens', () => {
  it('verifies an Ed25519 checkpoint signature and refuses a changed message', () => {
    const keyring = Keyring.fromRootKey(generateRootKey());
    const sig = signAudit(keyring, Buffer.from('head 42'));
    const pub = auditPublicKey(keyring);
    expect(verifyAuditSignature(pub, Buffer.from('head 42'), sig)).toBe(true);
    expect(verifyAuditSignature(pub, Buffer.from('head 43'), sig)).toBe(false);
  });

  it('binds CSRF tokens to their session', () => {
    const keyring = Keyring.fromRootKey(generateRootKey());
    const token = csrfToken(keyring, 'session|a');
    expect(checkCsrfToken(keyring, 'session|a', token)).toBe(true);
    expect(checkCsrfToken(keyring, 'session|b', token)).toBe(false);
    expect(checkCsrfToken(keyring, 'session|a', undefined)).toBe(false);
    expect(checkCsrfToken(keyring, 'session|a', [token])).toBe(false);
  });
});
