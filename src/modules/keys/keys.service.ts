import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  auditPublicKey,
  combineShares,
  type DataKey,
  fingerprintAuditKey,
  generateDataKey,
  generateRootKey,
  Keyring,
  parseShare,
  rewrapDataKey,
  ShareFormatError,
  splitRootKey,
  unwrapDataKey,
  wrapDataKey,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { KeyMaterialRow } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { raiseSealEpoch } from './fleet.ts';
import {
  deleteDataKey,
  findActiveKeyMaterial,
  findDataKey,
  findDataKeys,
  insertDataKey,
  insertDataKeyIfAbsent,
  insertDataKeys,
  insertKeyMaterial,
  listDataKeysByKeyId,
  lockDataKeysForRotation,
  retireKeyMaterial,
  updateWrappedDataKey,
} from './keys.repository.ts';
import type { SealStatus, Vault } from './vault.ts';

/** Where the development key lives. Never used in production. */
export function devKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'root.key');
}

/**
 * `sanctuary keys init`: creates the root key, stores only its verifier, and returns the
 * shares to print once. The key itself is zeroed before returning.
 */
export async function initShamirKeys(
  db: Db,
  options: { shares: number; threshold: number },
): Promise<{ keyId: string; shares: string[]; auditKeyFingerprint: string }> {
  checkShareCounts(options.shares, options.threshold);
  const root = generateRootKey();
  try {
    const keyring = Keyring.withNewDerivationKey(root);
    const shares = await splitRootKey(root, keyring.keyId, options.shares, options.threshold);
    await db.transaction().execute(async (trx) => {
      if ((await findActiveKeyMaterial(trx)) !== undefined) {
        throw new AppError(
          'conflict',
          'a root key already exists; use "sanctuary keys rotate" to replace it',
        );
      }
      await insertKeyMaterial(trx, {
        key_id: keyring.keyId,
        mode: 'shamir',
        verifier: keyring.verifier(),
        shares: options.shares,
        threshold: options.threshold,
        wrapped_derivation_key: keyring.wrappedDerivationKey(),
      });
      await recordAudit(trx, {
        actor: 'cli',
        action: 'keys.init',
        target: `key:${keyring.keyId}`,
        reason: `${options.threshold} of ${options.shares}`,
      });
    });
    // Printed once for the operator's records and the config (ADR 0085): outside the database.
    const auditKeyFingerprint = fingerprintAuditKey(auditPublicKey(keyring));
    keyring.seal();
    return { keyId: keyring.keyId, shares, auditKeyFingerprint };
  } finally {
    root.fill(0);
  }
}

/** Shamir parameters the key holders can live with: 2 <= threshold <= shares <= 20. */
function checkShareCounts(shares: number, threshold: number): void {
  if (
    !Number.isInteger(shares) ||
    !Number.isInteger(threshold) ||
    threshold < 2 ||
    shares < threshold ||
    shares > 20
  ) {
    throw new AppError('validation_failed', 'need 2 <= threshold <= shares <= 20');
  }
}

/**
 * The keyring of a reconstructed root key, or undefined when it is not the key of `row`
 * (checked against the stored verifier before the derivation key is unwrapped).
 */
function openKeyring(root: Buffer, row: KeyMaterialRow): Keyring | undefined {
  const probe = Keyring.fromRootKey(root);
  const matches = probe.keyId === row.key_id && probe.verifier() === row.verifier;
  probe.seal();
  return matches ? Keyring.fromRootKey(root, row.wrapped_derivation_key) : undefined;
}

/**
 * Development only: loads `<dataDir>/keys/root.key`, creating it on first start, and
 * unseals. Returns false (and leaves the server sealed) when the database holds a
 * Shamir-split key instead.
 */
export async function unsealWithDevKey(db: Db, vault: Vault, dataDir: string): Promise<boolean> {
  const path = devKeyPath(dataDir);
  const active = await findActiveKeyMaterial(db);
  if (active?.mode === 'shamir') return false;
  let keyring: Keyring;
  if (active === undefined) {
    const root = generateRootKey();
    keyring = Keyring.withNewDerivationKey(root);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${root.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    root.fill(0);
    await db.transaction().execute(async (trx) => {
      await insertKeyMaterial(trx, {
        key_id: keyring.keyId,
        mode: 'dev',
        verifier: keyring.verifier(),
        shares: 1,
        threshold: 1,
        wrapped_derivation_key: keyring.wrappedDerivationKey(),
      });
      await recordAudit(trx, { actor: 'system', action: 'keys.init_dev', target: `key:${keyring.keyId}` });
    });
  } else {
    keyring = await openDevKeyFile(path, active);
  }
  vault.unsealWith(keyring, 'dev');
  await recordAudit(db, {
    actor: 'system',
    action: 'server.unseal',
    target: `key:${keyring.keyId}`,
    reason: 'development key file',
  });
  return true;
}

/**
 * Opens the development key file that matches the active key. A rotation writes the new key
 * to `root.key.next` before it commits and renames it after; a process that died in between
 * left the committed key there, so that file is tried second and moved into place.
 */
async function openDevKeyFile(path: string, active: KeyMaterialRow): Promise<Keyring> {
  for (const candidate of [path, `${path}.next`]) {
    let text: string;
    try {
      text = await readFile(candidate, 'utf8');
    } catch {
      continue;
    }
    const root = Buffer.from(text.trim(), 'hex');
    const keyring = root.length === 32 ? openKeyring(root, active) : undefined;
    root.fill(0);
    if (keyring === undefined) continue;
    if (candidate !== path) await rename(candidate, path);
    return keyring;
  }
  throw new Error(
    `the development key file ${path} is missing or does not match the database (key ${active.key_id})`,
  );
}

export interface UnsealProgress extends SealStatus {
  accepted: boolean;
}

/** Takes one share. Unseals when the threshold is reached and the key matches the verifier. */
export async function submitUnsealShare(db: Db, vault: Vault, shareText: string): Promise<UnsealProgress> {
  if (!vault.sealed) return { ...vault.status(), accepted: false };
  const active = await findActiveKeyMaterial(db);
  if (active === undefined) {
    throw new AppError('conflict', 'no root key exists yet: run "sanctuary keys init" first');
  }
  let share: ReturnType<typeof parseShare>;
  try {
    share = parseShare(shareText);
  } catch (error) {
    throw new AppError(
      'validation_failed',
      error instanceof ShareFormatError ? error.message : 'malformed share',
    );
  }
  if (share.keyId !== active.key_id) {
    throw new AppError(
      'validation_failed',
      `this share belongs to key ${share.keyId}, the server uses key ${active.key_id}`,
    );
  }
  const received = vault.holdShare(share, active.threshold);
  await recordAudit(db, {
    actor: 'key-holder',
    action: 'server.unseal_share',
    target: `key:${active.key_id}`,
  });
  if (received < active.threshold) return { ...vault.status(), accepted: true };
  const root = await combineShares(vault.pendingShares());
  const opened = openKeyring(root, active);
  root.fill(0);
  if (opened === undefined) {
    vault.clearPending();
    await recordAudit(db, {
      actor: 'key-holder',
      action: 'server.unseal_failed',
      target: `key:${active.key_id}`,
    });
    throw new AppError(
      'validation_failed',
      "the shares do not reconstruct this server's key; unsealing starts again",
    );
  }
  const keyring = vault.unsealWith(opened, 'shamir');
  await recordAudit(db, { actor: 'key-holder', action: 'server.unseal', target: `key:${keyring.keyId}` });
  return { ...vault.status(), accepted: true };
}

/**
 * The emergency brake: audit first (the act is recorded even if the process dies next), then
 * drop the key, then tell the other instances (ADR 0116).
 */
export async function sealServer(db: Db, vault: Vault, actor: string): Promise<SealStatus> {
  if (vault.sealed) {
    // "Seal now" given to an instance that is already sealed (after a restart, say): nothing to
    // drop here, but the rest of the deployment must still seal (ADR 0116). Whichever instance
    // the operator reaches first in an emergency is the right one.
    await recordAudit(db, { actor, action: 'server.seal_fleet', target: null });
    await raiseSealEpoch(db);
    return vault.status();
  }
  const keyId = vault.status().keyId;
  await recordAudit(db, { actor, action: 'server.seal', target: keyId === null ? null : `key:${keyId}` });
  vault.seal();
  // Every other instance of the deployment seals within seconds (ADR 0116). After the local
  // seal, so that a database that does not answer cannot delay the brake here.
  await raiseSealEpoch(db);
  return vault.status();
}

/** Creates and stores the wrapped data key of a new subject ("case:<id>", "staff:<id>"). */
export async function createSubjectKey(trx: Db, vault: Vault, subject: string): Promise<DataKey> {
  const keyring = vault.requireKeyring();
  const key = generateDataKey();
  const { keyId, wrapped } = wrapDataKey(keyring, subject, key);
  await insertDataKey(trx, { subject, key_id: keyId, wrapped });
  return key;
}

/**
 * Test hook: called with the subject each time a subject key is opened (one subject or
 * several at once), so a test can count how often one request unwraps a key.
 */
let onSubjectKeyOpened: ((subject: string) => void) | undefined;

/** Installs (or removes, with undefined) the hook above; tests only. */
export function setSubjectKeyOpenHook(hook: ((subject: string) => void) | undefined): void {
  onSubjectKeyOpened = hook;
}

/** Opens the data key of a subject; the caller disposes it (or use withSubjectKey). */
export async function openSubjectKey(db: Db, vault: Vault, subject: string): Promise<DataKey> {
  vault.requireKeyring();
  onSubjectKeyOpened?.(subject);
  const row = await findDataKey(db, subject);
  if (row === undefined) throw new AppError('not_found', `no data key for ${subject.split(':')[0]}`);
  const keyring = await keyringForStoredKey(db, vault, row.key_id);
  return unwrapDataKey(keyring, subject, { keyId: row.key_id, wrapped: toBuffer(row.wrapped) });
}

/**
 * Runs `work` with the opened data key of `subject` and disposes the key afterwards, whether
 * `work` returns or throws. The one way the feature modules hold a subject key.
 */
export async function withSubjectKey<T>(
  ctx: { vault: Vault; database: { db: Db } },
  subject: string,
  work: (key: DataKey) => Promise<T> | T,
  db: Db = ctx.database.db,
): Promise<T> {
  const key = await openSubjectKey(db, ctx.vault, subject);
  try {
    return await work(key);
  } finally {
    key.dispose();
  }
}

/**
 * Creates the data key of a new subject in the caller's transaction, runs `work` with it and
 * disposes it afterwards, whether `work` returns or throws.
 */
export async function withNewSubjectKey<T>(
  ctx: { vault: Vault },
  trx: Db,
  subject: string,
  work: (key: DataKey) => Promise<T> | T,
): Promise<T> {
  const key = await createSubjectKey(trx, ctx.vault, subject);
  try {
    return await work(key);
  } finally {
    key.dispose();
  }
}

/**
 * Runs `work` with the opened data keys of several subjects (one query; subjects without a key
 * are absent from the map) and disposes every key afterwards, whether `work` returns or throws.
 */
export async function withSubjectKeys<T>(
  ctx: { vault: Vault; database: { db: Db } },
  subjects: readonly string[],
  work: (keys: ReadonlyMap<string, DataKey>) => Promise<T> | T,
  db: Db = ctx.database.db,
): Promise<T> {
  const keys = await openSubjectKeys(db, ctx.vault, subjects);
  try {
    return await work(keys);
  } finally {
    for (const key of keys.values()) key.dispose();
  }
}

/**
 * The data key of a subject, created on first use (in the caller's transaction when one is
 * given). Two writers creating it at once cannot both win: the insert does nothing on
 * conflict and the loser opens the winner's key. The caller disposes the key.
 */
export async function openOrCreateSubjectKey(db: Db, vault: Vault, subject: string): Promise<DataKey> {
  if ((await findDataKey(db, subject)) === undefined) {
    const keyring = vault.requireKeyring();
    const key = generateDataKey();
    const { keyId, wrapped } = wrapDataKey(keyring, subject, key);
    if (await insertDataKeyIfAbsent(db, { subject, key_id: keyId, wrapped })) return key;
    key.dispose();
  }
  return openSubjectKey(db, vault, subject);
}

/**
 * Wraps a fresh data key for a new subject without storing it: the caller encrypts with
 * `key` (and disposes it) and stores `row` later, with insertSubjectKeys, inside its own
 * transaction (intake prepares whole cases outside the transaction of its batch).
 */
export function wrapNewSubjectKey(
  vault: Vault,
  subject: string,
): { key: DataKey; row: { subject: string; key_id: string; wrapped: Buffer } } {
  const keyring = vault.requireKeyring();
  const key = generateDataKey();
  const { keyId, wrapped } = wrapDataKey(keyring, subject, key);
  return { key, row: { subject, key_id: keyId, wrapped } };
}

/** Stores keys made by wrapNewSubjectKey, all in one statement, in the caller's transaction. */
export async function insertSubjectKeys(
  trx: Db,
  rows: ReadonlyArray<{ subject: string; key_id: string; wrapped: Uint8Array }>,
): Promise<void> {
  await insertDataKeys(trx, rows);
}

/**
 * Opens the data keys of several subjects with one query (instead of one round trip each).
 * The caller disposes every key it receives; subjects without a key are absent from the map.
 */
export async function openSubjectKeys(
  db: Db,
  vault: Vault,
  subjects: readonly string[],
): Promise<Map<string, DataKey>> {
  vault.requireKeyring();
  const out = new Map<string, DataKey>();
  for (const row of await findDataKeys(db, subjects)) {
    onSubjectKeyOpened?.(row.subject);
    const keyring = await keyringForStoredKey(db, vault, row.key_id);
    out.set(
      row.subject,
      unwrapDataKey(keyring, row.subject, { keyId: row.key_id, wrapped: toBuffer(row.wrapped) }),
    );
  }
  return out;
}

/**
 * The keyring that opens a data key wrapped under `keyId`. When this process holds neither
 * that key nor the one a rotation here is committing, another process rotated the root key:
 * this process's key is retired, so it seals itself (503 "sealed") and waits to be unsealed
 * with the new shares, instead of failing on every request (ADR 0082).
 */
async function keyringForStoredKey(db: Db, vault: Vault, keyId: string): Promise<Keyring> {
  const keyring = vault.keyringFor(keyId);
  if (keyring !== undefined) return keyring;
  const active = await findActiveKeyMaterial(db);
  // A rotation in this process may have switched keys while the query ran.
  const switched = vault.keyringFor(keyId);
  if (switched !== undefined) return switched;
  const held = vault.status().keyId;
  if (active !== undefined && held !== null && active.key_id !== held) {
    await recordAudit(db, {
      actor: 'system',
      action: 'server.seal',
      target: `key:${held}`,
      reason: `root key rotated to ${active.key_id} by another process`,
    });
    vault.seal();
    throw new AppError('sealed', 'the root key was rotated; unseal this server with the new shares', {
      retryAfter: 60,
    });
  }
  throw new AppError('internal', `a data key is wrapped under key ${keyId}, which this server does not hold`);
}

/**
 * `sanctuary keys rotate`: a new root key, every data key re-wrapped under it (data is not
 * re-encrypted), the derivation key re-wrapped (so blind indexes, codenames, sign-in, CSRF,
 * proof of work and the audit signing key are unchanged), the old key retired, and this
 * server switched to the new key. Shares default to the current key's n and k. Returns the
 * new shares, to be printed once. The old root key opens nothing in the database afterwards.
 */
export async function rotateRootKey(
  db: Db,
  vault: Vault,
  options: { shares?: number | undefined; threshold?: number | undefined; actor: string; dataDir?: string },
): Promise<{ keyId: string; shares: string[]; threshold: number; rewrapped: number }> {
  const current = vault.requireKeyring();
  const active = await findActiveKeyMaterial(db);
  if (active === undefined || active.key_id !== current.keyId) {
    throw new AppError(
      'conflict',
      `this server holds key ${current.keyId}, but the active key is ${active?.key_id ?? 'none'}: unseal it with the current shares first`,
    );
  }
  const mode = vault.status().mode ?? 'shamir';
  const shareCount = mode === 'dev' ? 1 : (options.shares ?? active.shares);
  const threshold = mode === 'dev' ? 1 : (options.threshold ?? active.threshold);
  if (mode === 'shamir') checkShareCounts(shareCount, threshold);
  const root = generateRootKey();
  const next = current.rotatedTo(root);
  const shares = mode === 'dev' ? [] : await splitRootKey(root, next.keyId, shareCount, threshold);
  // Development: the new key is on disk before the database depends on it (see openDevKeyFile).
  const devPath = mode === 'dev' && options.dataDir !== undefined ? devKeyPath(options.dataDir) : undefined;
  if (devPath !== undefined) await writeFile(`${devPath}.next`, `${root.toString('hex')}\n`, { mode: 0o600 });
  root.fill(0);
  let rewrapped = 0;
  vault.expectRotation(next);
  try {
    await db.transaction().execute(async (trx) => {
      // No data key is written while the keys are moved: a concurrent writer waits, and then
      // either wrapped under the new key or is refused by the database (migration 20261206T0100).
      await lockDataKeysForRotation(trx);
      await insertKeyMaterial(trx, {
        key_id: next.keyId,
        mode,
        verifier: next.verifier(),
        shares: shareCount,
        threshold,
        wrapped_derivation_key: next.wrappedDerivationKey(),
      });
      for (;;) {
        const batch = await listDataKeysByKeyId(trx, current.keyId, 500);
        if (batch.length === 0) break;
        for (const row of batch) {
          const moved = rewrapDataKey(current, next, row.subject, {
            keyId: row.key_id,
            wrapped: toBuffer(row.wrapped),
          });
          await updateWrappedDataKey(trx, row.subject, moved.keyId, moved.wrapped);
          rewrapped += 1;
        }
      }
      await retireKeyMaterial(trx, current.keyId);
      await recordAudit(trx, {
        actor: options.actor,
        action: 'keys.rotate',
        target: `key:${next.keyId}`,
        reason: `replaces key ${current.keyId}; ${rewrapped} data keys re-wrapped`,
      });
    });
  } catch (error) {
    vault.expectRotation(null);
    next.seal();
    if (devPath !== undefined) await rm(`${devPath}.next`, { force: true });
    throw error;
  }
  // "Seal now" while the transaction committed sealed `next` too: the server stays sealed.
  if (!next.sealed) vault.unsealWith(next, mode);
  if (devPath !== undefined) await rename(`${devPath}.next`, devPath);
  return { keyId: next.keyId, shares, threshold, rewrapped };
}

/**
 * Destroys a subject's data key in the caller's transaction (crypto-shredding, ADR 0139):
 * every ciphertext under it, wherever a copy survives (dead tuples, WAL, blobs not yet
 * removed), is unreadable from now on, except through a backup written before (ADR 0114).
 */
export async function destroySubjectKey(trx: Db, subject: string): Promise<boolean> {
  return deleteDataKey(trx, subject);
}
