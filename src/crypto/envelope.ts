import type { Keyring } from './keyring.ts';
import { aeadDecrypt, aeadEncrypt, DecryptionError, KEY_BYTES, random } from './primitives.ts';

/**
 * Envelope encryption.
 *
 * - Each subject (a case, a staff member) has its own random 256-bit data key.
 * - The data key is stored only wrapped: AES-256-GCM under the key-wrapping key, which is
 *   HKDF(root, "sanctuary/kek/v1"). The wrap is bound to the subject and the root key id,
 *   so a wrapped key copied to another subject does not open.
 * - Fields are sealed with AES-256-GCM under the data key, with associated data
 *   `table|column|rowId`, so a ciphertext moved to another row or column fails to open.
 *
 * Rotation of the root key re-wraps data keys (`rewrapDataKey`); data is never
 * re-encrypted in bulk.
 */
export interface WrappedKey {
  keyId: string;
  wrapped: Buffer;
}

/** A data key in memory. Call `dispose()` when done with it. */
export class DataKey {
  #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error('data key must be 32 bytes');
    this.#key = key;
  }
  /** @internal used by the envelope functions only */
  get material(): Buffer {
    return this.#key;
  }
  dispose(): void {
    this.#key.fill(0);
  }
}

export interface FieldBinding {
  table: string;
  column: string;
  rowId: string;
}

function wrapAad(subject: string, keyId: string): Buffer {
  return Buffer.from(`sanctuary/data-key/v1|${subject}|${keyId}`, 'utf8');
}

function fieldAad(binding: FieldBinding): Buffer {
  for (const part of [binding.table, binding.column, binding.rowId]) {
    if (part.length === 0 || part.includes('|')) throw new Error('invalid field binding');
  }
  return Buffer.from(`sanctuary/field/v1|${binding.table}|${binding.column}|${binding.rowId}`, 'utf8');
}

export function generateDataKey(): DataKey {
  return new DataKey(random(KEY_BYTES));
}

/** Wraps a data key for `subject` (e.g. "case:<uuid>") under the current root key. */
export function wrapDataKey(keyring: Keyring, subject: string, dataKey: DataKey): WrappedKey {
  const kek = keyring.wrappingKey();
  try {
    return {
      keyId: keyring.keyId,
      wrapped: aeadEncrypt(kek, dataKey.material, wrapAad(subject, keyring.keyId)),
    };
  } finally {
    kek.fill(0);
  }
}

export class WrongKeyError extends Error {
  override name = 'WrongKeyError';
}

export function unwrapDataKey(keyring: Keyring, subject: string, stored: WrappedKey): DataKey {
  if (stored.keyId !== keyring.keyId) {
    throw new WrongKeyError(`data key is wrapped by key ${stored.keyId}, the keyring holds ${keyring.keyId}`);
  }
  const kek = keyring.wrappingKey();
  try {
    return new DataKey(aeadDecrypt(kek, stored.wrapped, wrapAad(subject, stored.keyId)));
  } finally {
    kek.fill(0);
  }
}

/** Re-wraps one data key from the old root key to the new one (key rotation). */
export function rewrapDataKey(from: Keyring, to: Keyring, subject: string, stored: WrappedKey): WrappedKey {
  const key = unwrapDataKey(from, subject, stored);
  try {
    return wrapDataKey(to, subject, key);
  } finally {
    key.dispose();
  }
}

export function encryptField(dataKey: DataKey, plaintext: string | Buffer, binding: FieldBinding): Buffer {
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return aeadEncrypt(dataKey.material, bytes, fieldAad(binding));
}

export function decryptField(dataKey: DataKey, blob: Buffer, binding: FieldBinding): Buffer {
  return aeadDecrypt(dataKey.material, blob, fieldAad(binding));
}

export function decryptFieldText(dataKey: DataKey, blob: Buffer, binding: FieldBinding): string {
  return decryptField(dataKey, blob, binding).toString('utf8');
}

export { DecryptionError };
