import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 TOTP (SHA-1, 6 digits, 30 s), the profile every authenticator app supports.
 * `checkTotp` returns the time step that matched so that the caller can refuse a replay:
 * a code is accepted only if its step is later than the last step used.
 */
const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = 'staff'): TOTP {
  return new TOTP({
    issuer: 'Sanctuary',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function totpUri(secretBase32: string, label: string): string {
  return totpFor(secretBase32, label).toString();
}

/** The step a code matches (window of one step either side), or null. */
export function checkTotp(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

/** For tests and enrolment: the code for a given time. */
export function totpCode(secretBase32: string, now = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp: now });
}
