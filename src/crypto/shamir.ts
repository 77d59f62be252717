import { combine, split } from 'shamir-secret-sharing';
import { constantTimeEqual, sha256 } from './primitives.ts';

/**
 * Root-key shares, k of n, with the audited `shamir-secret-sharing` library.
 * A share travels as text so that a key holder can store it on paper or in a
 * password manager:
 *
 *   sanctuary-share-v1.<keyId>.<share as base64url>.<checksum>
 *
 * The key id lets the server refuse a share of another key before combining;
 * the checksum (4 bytes of SHA-256) catches a mistyped share at once.
 */
const PREFIX = 'sanctuary-share-v1';

export class ShareFormatError extends Error {
  override name = 'ShareFormatError';
}

export interface ParsedShare {
  keyId: string;
  bytes: Buffer;
}

function checksum(keyId: string, bytes: Buffer): string {
  return sha256(Buffer.concat([Buffer.from(keyId, 'utf8'), bytes]))
    .subarray(0, 4)
    .toString('hex');
}

export async function splitRootKey(
  root: Buffer,
  keyId: string,
  shares: number,
  threshold: number,
): Promise<string[]> {
  if (!Number.isInteger(shares) || !Number.isInteger(threshold)) throw new RangeError('whole numbers only');
  if (threshold < 2 || shares < threshold || shares > 255) {
    throw new RangeError('need 2 <= threshold <= shares <= 255');
  }
  const parts = await split(new Uint8Array(root), shares, threshold);
  return parts.map((p) => {
    const bytes = Buffer.from(p);
    return `${PREFIX}.${keyId}.${bytes.toString('base64url')}.${checksum(keyId, bytes)}`;
  });
}

export function parseShare(text: string): ParsedShare {
  const trimmed = text.trim();
  if (trimmed.length > 512) throw new ShareFormatError('share is too long');
  const parts = trimmed.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) {
    throw new ShareFormatError('not a Sanctuary key share (it should start with "sanctuary-share-v1.")');
  }
  const [, keyId = '', body = '', sum = ''] = parts;
  if (!/^[0-9a-f]{16}$/.test(keyId) || !/^[A-Za-z0-9_-]+$/.test(body) || !/^[0-9a-f]{8}$/.test(sum)) {
    throw new ShareFormatError('the share is malformed');
  }
  const bytes = Buffer.from(body, 'base64url');
  if (!constantTimeEqual(Buffer.from(checksum(keyId, bytes)), Buffer.from(sum))) {
    throw new ShareFormatError('the share checksum does not match: check for a typing mistake');
  }
  return { keyId, bytes };
}

export async function combineShares(shares: readonly ParsedShare[]): Promise<Buffer> {
  return Buffer.from(await combine(shares.map((s) => new Uint8Array(s.bytes))));
}
