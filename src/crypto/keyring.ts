import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  aeadDecrypt,
  aeadEncrypt,
  DecryptionError,
  hkdf,
  hkdfSalted,
  hmacSha256,
  KEY_BYTES,
  random,
  sha256,
} from './primitives.ts';

/**
 * Holds the root key and the derivation key in memory and hands out purpose-bound child keys
 * (HKDF). Two parents, with different lifetimes (ADR 0082):
 *
 * - The **root key** (Shamir-split; replaced by `keys rotate`) gives only the key-wrapping key
 *   (`kek`, which wraps every data key and the derivation key) and the verifier.
 * - The **derivation key** (random, long-lived; stored only wrapped under the kek and re-wrapped
 *   by rotation) gives every key whose outputs are stored or handed out: blind indexes, codename
 *   keys, keyed digests, CSRF, proof of work, the audit signing key. So rotating the root key
 *   changes none of them: staff still sign in, codenames still open their inbox, searches still
 *   find, and the audit public key stays the same.
 *
 * A key created before the derivation key existed has none stored; its derivation key is then
 * the root key itself, which reproduces what it derived before. Its first rotation stores that
 * value, wrapped, as the derivation key of the new root.
 *
 * Neither key leaves this object: no getter returns them, and `seal()` overwrites them with
 * zeros. Callers keep a reference to the Keyring, never to derived keys beyond one operation.
 */
export class Keyring {
  #root: Buffer | null;
  #derivation: Buffer | null;
  /**
   * Child keys already derived, by label. HKDF is deterministic, so this only saves the
   * derivation on hot paths (every submission wraps a data key and computes two keyed
   * digests). Bounded, and zeroed with the keys at seal.
   */
  readonly #children = new Map<string, Buffer>();
  readonly keyId: string;

  private constructor(root: Buffer, derivation: Buffer) {
    this.#root = Buffer.from(root);
    this.#derivation = Buffer.from(derivation);
    this.keyId = keyIdOf(root);
  }

  /**
   * The keyring of a root key. `wrappedDerivationKey` is what `wrappedDerivationKey()` stored
   * with this root key; without it (a key from before ADR 0082) the root is its own derivation
   * key. Throws DecryptionError when the wrapped key is not this root key's.
   */
  static fromRootKey(root: Buffer, wrappedDerivationKey?: Uint8Array | null): Keyring {
    if (root.length !== KEY_BYTES) throw new Error('root key must be 32 bytes');
    if (wrappedDerivationKey === undefined || wrappedDerivationKey === null) return new Keyring(root, root);
    const keyId = keyIdOf(root);
    const kek = hkdf(root, KEK_LABEL);
    const derivation = aeadDecrypt(kek, Buffer.from(wrappedDerivationKey), derivationAad(keyId));
    kek.fill(0);
    try {
      return new Keyring(root, derivation);
    } finally {
      derivation.fill(0);
    }
  }

  /** A new root key's keyring with a fresh random derivation key (`keys init`, first dev start). */
  static withNewDerivationKey(root: Buffer): Keyring {
    if (root.length !== KEY_BYTES) throw new Error('root key must be 32 bytes');
    const derivation = random(KEY_BYTES);
    try {
      return new Keyring(root, derivation);
    } finally {
      derivation.fill(0);
    }
  }

  /** Rotation: the keyring of a new root key that keeps this keyring's derivation key. */
  rotatedTo(root: Buffer): Keyring {
    if (this.#derivation === null) throw new SealedError();
    if (root.length !== KEY_BYTES) throw new Error('root key must be 32 bytes');
    return new Keyring(root, this.#derivation);
  }

  /** The derivation key wrapped under this root key's kek, bound to its key id: what the database stores. */
  wrappedDerivationKey(): Buffer {
    if (this.#derivation === null) throw new SealedError();
    const kek = this.wrappingKey();
    try {
      return aeadEncrypt(kek, this.#derivation, derivationAad(this.keyId));
    } finally {
      kek.fill(0);
    }
  }

  get sealed(): boolean {
    return this.#root === null;
  }

  /**
   * The root and derivation keys sealed to another instance's X25519 public key (ADR 0116):
   * an ephemeral key pair, X25519, HKDF and AES-256-GCM bound to `context` (the request id
   * and fingerprint). Only the holder of the matching private key, in that instance's memory,
   * can open it. Layout: ephemeral public key (SPKI DER, 44 bytes) | AEAD ciphertext.
   */
  sealForHandoff(recipientPublicKey: Buffer, context: string): Buffer {
    if (this.#root === null || this.#derivation === null) throw new SealedError();
    const recipient = createPublicKey({ key: recipientPublicKey, format: 'der', type: 'spki' });
    const ephemeral = generateKeyPairSync('x25519');
    const ephemeralPublic = ephemeral.publicKey.export({ format: 'der', type: 'spki' });
    const key = handoffKey(
      diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }),
      ephemeralPublic,
      recipientPublicKey,
    );
    const plain = Buffer.concat([this.#root, this.#derivation]);
    try {
      return Buffer.concat([ephemeralPublic, aeadEncrypt(key, plain, handoffAad(context))]);
    } finally {
      plain.fill(0);
      key.fill(0);
    }
  }

  /** Opens what `sealForHandoff` produced for this instance's key pair; throws DecryptionError otherwise. */
  static fromHandoff(pair: HandoffKeyPair, blob: Buffer, context: string): Keyring {
    if (blob.length <= HANDOFF_PUBLIC_BYTES) throw new DecryptionError('not a keyring hand-off');
    const ephemeralPublic = blob.subarray(0, HANDOFF_PUBLIC_BYTES);
    let ephemeral: KeyObject;
    try {
      ephemeral = createPublicKey({ key: ephemeralPublic, format: 'der', type: 'spki' });
    } catch (cause) {
      throw new DecryptionError('not a keyring hand-off', { cause });
    }
    const key = handoffKey(pair.agree(ephemeral), ephemeralPublic, pair.publicKey);
    const plain = aeadDecrypt(key, blob.subarray(HANDOFF_PUBLIC_BYTES), handoffAad(context));
    key.fill(0);
    try {
      if (plain.length !== 2 * KEY_BYTES) throw new DecryptionError('not a keyring hand-off');
      return new Keyring(plain.subarray(0, KEY_BYTES), plain.subarray(KEY_BYTES));
    } finally {
      plain.fill(0);
    }
  }

  /** Overwrites the keys in memory. Afterwards every derivation throws. */
  seal(): void {
    this.#root?.fill(0);
    this.#root = null;
    this.#derivation?.fill(0);
    this.#derivation = null;
    for (const child of this.#children.values()) child.fill(0);
    this.#children.clear();
  }

  /**
   * Derives a child key for one purpose from the derivation key (stable across rotation).
   * Labels are versioned: `sanctuary/<purpose>/v1`.
   */
  derive(purpose: string, length = KEY_BYTES): Buffer {
    if (this.#derivation === null) throw new SealedError();
    return this.#memoised(
      `d|${length}|sanctuary/${purpose}/v1`,
      this.#derivation,
      `sanctuary/${purpose}/v1`,
      length,
    );
  }

  /** The key-wrapping key: the only working key that comes from the root key, so rotation replaces it. */
  wrappingKey(): Buffer {
    if (this.#root === null) throw new SealedError();
    return this.#memoised(`r|${KEK_LABEL}`, this.#root, KEK_LABEL, KEY_BYTES);
  }

  /** The verifier stored in the database so that unsealing can recognise the right key. */
  verifier(): string {
    if (this.#root === null) throw new SealedError();
    const key = hkdf(this.#root, 'sanctuary/verifier/v1');
    try {
      return hmacSha256(key, 'sanctuary-root-key-verifier').toString('hex');
    } finally {
      key.fill(0);
    }
  }

  #memoised(memo: string, parent: Buffer, label: string, length: number): Buffer {
    let child = this.#children.get(memo);
    if (child === undefined) {
      child = hkdf(parent, label, length);
      if (this.#children.size < MAX_MEMOISED_CHILDREN) this.#children.set(memo, child);
      else return child;
    }
    // A copy: callers may zero what they were given.
    return Buffer.from(child);
  }
}

const MAX_MEMOISED_CHILDREN = 256;
const KEK_LABEL = 'sanctuary/kek/v1';

function derivationAad(keyId: string): Buffer {
  return Buffer.from(`sanctuary/derivation-key/v1|${keyId}`, 'utf8');
}

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

const HANDOFF_PUBLIC_BYTES = 44;

function handoffKey(shared: Buffer, ephemeralPublic: Buffer, recipientPublic: Buffer): Buffer {
  try {
    return hkdfSalted(
      shared,
      Buffer.concat([ephemeralPublic, recipientPublic]).toString('base64'),
      'sanctuary/keyring-handoff/v1',
    );
  } finally {
    shared.fill(0);
  }
}

function handoffAad(context: string): Buffer {
  return Buffer.from(`sanctuary/keyring-handoff/v1|${context}`, 'utf8');
}

/**
 * A sealed instance's X25519 key pair for receiving the keyring (ADR 0116). The private key
 * stays in this object (process memory); the public key and its fingerprint are what the
 * instance publishes and what an operator approves.
 */
export class HandoffKeyPair {
  readonly publicKey: Buffer;
  readonly #privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('x25519');
    this.publicKey = pair.publicKey.export({ format: 'der', type: 'spki' });
    this.#privateKey = pair.privateKey;
  }

  /** What an operator compares and approves: 16 bytes of SHA-256 of the public key, in groups. */
  get fingerprint(): string {
    return handoffFingerprint(this.publicKey);
  }

  /** @internal X25519 with this pair's private key. */
  agree(publicKey: KeyObject): Buffer {
    return diffieHellman({ privateKey: this.#privateKey, publicKey });
  }
}

/** The fingerprint of a hand-off public key (as `HandoffKeyPair.fingerprint`). */
export function handoffFingerprint(publicKey: Uint8Array): string {
  const hex = sha256(Buffer.from(publicKey)).subarray(0, 16).toString('hex');
  return hex.match(/.{4}/g)!.join('-');
}
