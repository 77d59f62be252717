import { randomToken, sha256 } from '../../crypto/index.ts';

/**
 * Applicant sessions, in memory only (ADR 0045). The browser holds a random token in a
 * session cookie (no Max-Age: it dies with the browser); the server holds a hash of it
 * and the case id, for at most `idleMinutes` without activity. Signing out, quick exit,
 * idle expiry and a restart all forget the session. Nothing about it reaches the disk.
 *
 * Several app processes behind a proxy need sticky routing for applicant pages; a
 * lost session only means signing in again with the codename.
 */
export const APPLICANT_COOKIE = 'sanctuary_applicant';
/**
 * The sign-in form's pre-session cookie (ADR 0092): a random value, also a session cookie,
 * that the sign-in form's CSRF token is bound to, so another site cannot sign a person into
 * an inbox of its choosing (and then read what they write there).
 */
export const APPLICANT_PRE_COOKIE = 'sanctuary_applicant_pre';

interface Session {
  caseId: string;
  lastSeen: number;
}

export class ApplicantSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #max: number;

  constructor(options: { idleMinutes: number; maxSessions?: number }) {
    this.#idleMs = options.idleMinutes * 60_000;
    this.#max = options.maxSessions ?? 50_000;
  }

  get idleMinutes(): number {
    return this.#idleMs / 60_000;
  }

  #key(token: string): string {
    return sha256(token).toString('base64url');
  }

  /** Starts a session; returns the cookie value. */
  create(caseId: string, now = Date.now()): string {
    this.sweep(now);
    if (this.#sessions.size >= this.#max) {
      // The oldest entry goes first (Map keeps insertion order): memory stays bounded.
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const token = randomToken();
    this.#sessions.set(this.#key(token), { caseId, lastSeen: now });
    return token;
  }

  /** The case of a live session (and marks it active), or undefined. */
  touch(token: string | undefined, now = Date.now()): string | undefined {
    if (token === undefined || token.length !== 43) return undefined;
    const key = this.#key(token);
    const s = this.#sessions.get(key);
    if (s === undefined) return undefined;
    if (now - s.lastSeen > this.#idleMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    s.lastSeen = now;
    // Re-insert so that Map order stays "least recently used first".
    this.#sessions.delete(key);
    this.#sessions.set(key, s);
    return s.caseId;
  }

  destroy(token: string | undefined): void {
    if (token !== undefined) this.#sessions.delete(this.#key(token));
  }

  sweep(now = Date.now()): void {
    for (const [key, s] of this.#sessions) {
      if (now - s.lastSeen <= this.#idleMs) break; // LRU order: the rest are newer
      this.#sessions.delete(key);
    }
  }

  get size(): number {
    return this.#sessions.size;
  }
}
