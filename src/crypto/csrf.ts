import type { Keyring } from './keyring.ts';
import { constantTimeEqual, hmacSha256 } from './primitives.ts';

/**
 * Synchronizer CSRF tokens: HMAC(csrf key, binding), where the binding is the session
 * (hash of the session token) or, before sign-in, a random pre-session cookie.
 * Nothing is stored; a token is valid exactly as long as what it is bound to.
 */
export function csrfToken(keyring: Keyring, binding: string): string {
  const key = keyring.derive('csrf');
  try {
    return hmacSha256(key, binding).toString('base64url');
  } finally {
    key.fill(0);
  }
}

export function checkCsrfToken(keyring: Keyring, binding: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length !== 43) return false;
  return constantTimeEqual(Buffer.from(csrfToken(keyring, binding)), Buffer.from(token));
}
