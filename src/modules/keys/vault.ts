import type { Keyring, ParsedShare } from '../../crypto/index.ts';
import { AppError } from '../../platform/errors.ts';

/**
 * The process's seal state. Sealed until enough shares arrive (or the dev key file is
 * loaded); `seal()` drops the key from memory at once. Routes that touch personal data
 * call `requireKeyring()`, which answers 503 "sealed" while sealed.
 */
export interface SealStatus {
  sealed: boolean;
  keyId: string | null;
  /** Shares received towards the threshold while sealed. */
  progress: { received: number; threshold: number } | null;
  mode: 'shamir' | 'dev' | null;
}

export class Vault {
  #keyring: Keyring | null = null;
  #pending: ParsedShare[] = [];
  #pendingThreshold = 0;
  #mode: 'shamir' | 'dev' | null = null;
  /** While a rotation commits: the next keyring, which may already be needed to open re-wrapped keys. */
  #incoming: Keyring | null = null;
  readonly #listeners = new Set<(sealed: boolean) => void>();

  get sealed(): boolean {
    return this.#keyring === null;
  }

  status(): SealStatus {
    return {
      sealed: this.sealed,
      keyId: this.#keyring?.keyId ?? null,
      progress:
        this.sealed && this.#pendingThreshold > 0
          ? { received: this.#pending.length, threshold: this.#pendingThreshold }
          : null,
      mode: this.#mode,
    };
  }

  /** The keyring, or AppError('sealed') → 503. */
  requireKeyring(): Keyring {
    if (this.#keyring === null) throw new AppError('sealed', 'server is sealed', { retryAfter: 60 });
    return this.#keyring;
  }

  /** @internal for the keys service */
  holdShare(share: ParsedShare, threshold: number): number {
    if (!this.#pending.some((s) => s.bytes.equals(share.bytes))) this.#pending.push(share);
    this.#pendingThreshold = threshold;
    return this.#pending.length;
  }
  /** @internal */
  pendingShares(): readonly ParsedShare[] {
    return this.#pending;
  }
  /** @internal */
  clearPending(): void {
    for (const s of this.#pending) s.bytes.fill(0);
    this.#pending = [];
    this.#pendingThreshold = 0;
  }

  /**
   * The keyring whose root key wrapped a stored data key: the current one, or, while a rotation
   * commits, the next one. Undefined when neither holds that key id.
   */
  keyringFor(keyId: string): Keyring | undefined {
    const current = this.requireKeyring();
    if (current.keyId === keyId) return current;
    if (this.#incoming?.keyId === keyId) return this.#incoming;
    return undefined;
  }

  /** @internal for the keys service: announces the keyring a rotation is about to commit. */
  expectRotation(next: Keyring | null): void {
    this.#incoming = next;
  }

  /** @internal for the keys service: takes ownership of an opened keyring. */
  unsealWith(keyring: Keyring, mode: 'shamir' | 'dev'): Keyring {
    this.clearPending();
    if (this.#keyring !== keyring) this.#keyring?.seal();
    this.#incoming = null;
    this.#keyring = keyring;
    this.#mode = mode;
    for (const l of this.#listeners) l(false);
    return this.#keyring;
  }

  /** Drops the key from memory. */
  seal(): void {
    this.#keyring?.seal();
    this.#keyring = null;
    this.#incoming?.seal();
    this.#incoming = null;
    this.clearPending();
    for (const l of this.#listeners) l(true);
  }

  onChange(listener: (sealed: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
