import { describe, expect, it } from 'vitest';
import { deriveLinkageKey, linkageHmac, linkageSecretFingerprint } from './index.ts';

/**
 * Partners must derive the same keys from a shared linkage secret, so the derivation is a
 * fixed public function: these known answers were computed with node:crypto's hkdfSync and
 * createHmac directly, as the linkage module did before its keys moved into src/crypto.
 */
describe('linkage keys', () => {
  const secret = Buffer.alloc(32, 7);

  it('derives the same child keys as before the move (HKDF-SHA-256, salt sanctuary/linkage/v1)', () => {
    expect(deriveLinkageKey(secret, 'clk/field/familyName').toString('hex')).toBe(
      '646f5a382eb1c1fc23a26b6c02d440d6a4c0c4761825e06901e05d4d171c4554',
    );
    expect(linkageSecretFingerprint(secret)).toBe('fbbc69cecb00af97');
  });

  it('computes blocking-token HMACs under a derived key', () => {
    expect(linkageHmac(deriveLinkageKey(secret, 'blocking'), 'yFLT:1988').toString('hex')).toBe(
      'f645e0e7a88d1702b878703f0ebe400fdffff9649d0f1397d06a1ae863d2d7d8',
    );
  });

  it('gives different keys for different purposes and secrets', () => {
    expect(deriveLinkageKey(secret, 'a').equals(deriveLinkageKey(secret, 'b'))).toBe(false);
    expect(linkageSecretFingerprint(Buffer.alloc(32, 8))).not.toBe(linkageSecretFingerprint(secret));
  });
});
