import { hkdf, hmacSha256, KEY_BYTES, sha256 } from './primitives.ts';

/**
 * Holds the root key in memory and hands out purpose-bound child keys (HKDF).
 * The root key never leaves this object: no getter returns it, and `seal()` overwrites
 * it with zeros. Callers keep a reference to the Keyring, never to derived keys
 * beyond one operation.
 */
export class Keyring {
  #root: Buffer | null;
  /**
   * Child keys already derived, by label. HKDF is deterministic, so this only saves the
   * derivation on hot paths (every submission wraps a data key and computes two keyed
   * digests). Bounded, and zeroed with the root at seal.
   */
  readonly #children = new Map<string, Buffer>();
  readonly keyId: string;

  private constructor(root: Buffer) {
    this.#root = Buffer.from(root);
    this.keyId = keyIdOf(root);
  }

  static fromRootKey(root: Buffer): Keyring {
    if (root.length !== KEY_BYTES) throw new Error('root key must be 32 bytes');
    return new Keyring(root);
  }

  get sealed(): boolean {
    return this.#root === null;
  }

  /** Overwrites the key in memory. Afterwards every derivation throws. */
  seal(): void {
    this.#root?.fill(0);
    this.#root = null;
    for (const child of this.#children.values()) child.fill(0);
    this.#children.clear();
  }

  /** Derives a child key for one purpose. Labels are versioned: `sanctuary/<purpose>/v1`. */
  derive(purpose: string, length = KEY_BYTES): Buffer {
    if (this.#root === null) throw new SealedError();
    const label = `sanctuary/${purpose}/v1`;
    const memo = `${length}|${label}`;
    let child = this.#children.get(memo);
    if (child === undefined) {
      child = hkdf(this.#root, label, length);
      if (this.#children.size < MAX_MEMOISED_CHILDREN) this.#children.set(memo, child);
      else return child;
    }
    // A copy: callers may zero what they were given.
    return Buffer.from(child);
  }

  /** The verifier stored in the database so that unsealing can recognise the right key. */
  verifier(): string {
    return rootKeyVerifier(this.derive('verifier'));
  }
}

const MAX_MEMOISED_CHILDREN = 256;

export class SealedError extends Error {
  override name = 'SealedError';
  constructor() {
    super('the keyring is sealed');
  }
}

/** Public, non-secret identifier of a root key (first 8 bytes of a hash of a derived value). */
export function keyIdOf(root: Buffer): string {
  return sha256(hkdf(root, 'sanctuary/key-id/v1')).subarray(0, 8).toString('hex');
}

function rootKeyVerifier(verifierKey: Buffer): string {
  return hmacSha256(verifierKey, 'sanctuary-root-key-verifier').toString('hex');
}
