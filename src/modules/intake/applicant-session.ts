import { decryptFieldText, encryptField, randomToken, sha256, sharedStateKey } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../platform/rate-limit.ts';
import type { Vault } from '../keys/index.ts';
import {
  deleteApplicantSession,
  deleteIdleApplicantSessions,
  insertApplicantSession,
  touchApplicantSession,
} from './shared-state.repository.ts';

/**
 * Applicant sessions, in the database so that any instance serves any request (ADR 0117,
 * replacing ADR 0045's process memory). The browser holds a random token in a session
 * cookie (no Max-Age: it dies with the browser); the database holds only SHA-256 of it, the
 * case id encrypted under a keyring-derived key (bound to that hash), and when it was last
 * used. A copy of the database therefore links no session to a case, and a stolen table
 * opens no inbox. Signing out, quick exit and idle expiry delete the row; a restart of an
 * instance no longer signs anyone out.
 */
export const APPLICANT_COOKIE = 'sanctuary_applicant';
/**
 * The sign-in form's pre-session cookie (ADR 0092): a random value, also a session cookie,
 * that the sign-in form's CSRF token is bound to, so another site cannot sign a person into
 * an inbox of its choosing (and then read what they write there).
 */
export const APPLICANT_PRE_COOKIE = 'sanctuary_applicant_pre';

/** Idle rows are swept at most this often per instance, by the next sign-in. */
const SWEEP_EVERY_MS = 60_000;

export class ApplicantSessions {
  readonly #db: () => Db;
  readonly #vault: Vault;
  readonly #idleMs: number;
  readonly #clock: Clock;
  #lastSweep = 0;

  constructor(options: { db: () => Db; vault: Vault; idleMinutes: number; clock?: Clock }) {
    this.#db = options.db;
    this.#vault = options.vault;
    this.#idleMs = options.idleMinutes * 60_000;
    this.#clock = options.clock ?? Date.now;
  }

  get idleMinutes(): number {
    return this.#idleMs / 60_000;
  }

  #binding(tokenHash: Buffer) {
    return { table: 'applicant_sessions', column: 'case', rowId: tokenHash.toString('base64url') };
  }

  /** Starts a session for a case; returns the cookie value. */
  async create(caseId: string, now = this.#clock()): Promise<string> {
    const token = randomToken();
    const tokenHash = sha256(token);
    const key = sharedStateKey(this.#vault.requireKeyring(), 'applicant-session');
    try {
      const caseEnc = encryptField(key, caseId, this.#binding(tokenHash));
      await insertApplicantSession(this.#db(), {
        token_hash: tokenHash,
        case_enc: caseEnc,
        last_seen: new Date(now),
      });
    } finally {
      key.dispose();
    }
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) {
      this.#lastSweep = now;
      await deleteIdleApplicantSessions(this.#db(), new Date(now - this.#idleMs));
    }
    return token;
  }

  /**
   * The case of a live session, marking it active (one statement: an update that only matches
   * a session used within the idle time), or undefined.
   */
  async touch(token: string | undefined, now = this.#clock()): Promise<string | undefined> {
    if (token === undefined || token.length !== 43) return undefined;
    const tokenHash = sha256(token);
    const row = await touchApplicantSession(
      this.#db(),
      tokenHash,
      new Date(now),
      new Date(now - this.#idleMs),
    );
    if (row === undefined) return undefined;
    const key = sharedStateKey(this.#vault.requireKeyring(), 'applicant-session');
    try {
      return decryptFieldText(key, Buffer.from(row.case_enc), this.#binding(tokenHash));
    } finally {
      key.dispose();
    }
  }

  /** Ends a session (sign-out, quick exit); needs no key, so it works while sealed too. */
  async destroy(token: string | undefined): Promise<void> {
    if (token === undefined || token.length !== 43) return;
    await deleteApplicantSession(this.#db(), sha256(token));
  }
}
