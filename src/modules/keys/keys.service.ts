import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  auditPublicKey,
  combineShares,
  fingerprintAuditKey,
  type DataKey,
  generateDataKey,
  generateRootKey,
  Keyring,
  keyIdOf,
  parseShare,
  rewrapDataKey,
  ShareFormatError,
  splitRootKey,
  unwrapDataKey,
  wrapDataKey,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  findActiveKeyMaterial,
  findDataKey,
  findDataKeys,
  insertDataKey,
  insertKeyMaterial,
  listDataKeysByKeyId,
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
  if (
    !Number.isInteger(options.shares) ||
    !Number.isInteger(options.threshold) ||
    options.threshold < 2 ||
    options.shares < options.threshold ||
    options.shares > 20
  ) {
    throw new AppError('validation_failed', 'need 2 <= threshold <= shares <= 20');
  }
  const root = generateRootKey();
  try {
    const keyring = Keyring.fromRootKey(root);
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

/**
 * Development only: loads `<dataDir>/keys/root.key`, creating it on first start, and
 * unseals. Returns false (and leaves the server sealed) when the database holds a
 * Shamir-split key instead.
 */
export async function unsealWithDevKey(db: Db, vault: Vault, dataDir: string): Promise<boolean> {
  const path = devKeyPath(dataDir);
  const active = await findActiveKeyMaterial(db);
  if (active?.mode === 'shamir') return false;
  let root: Buffer;
  if (active === undefined) {
    root = generateRootKey();
    const keyring = Keyring.fromRootKey(root);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${root.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    await db.transaction().execute(async (trx) => {
      await insertKeyMaterial(trx, {
        key_id: keyring.keyId,
        mode: 'dev',
        verifier: keyring.verifier(),
        shares: 1,
        threshold: 1,
      });
      await recordAudit(trx, { actor: 'system', action: 'keys.init_dev', target: `key:${keyring.keyId}` });
    });
    keyring.seal();
  } else {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new Error(
        `the development key file ${path} is missing, but the database expects key ${active.key_id}`,
      );
    }
    root = Buffer.from(text.trim(), 'hex');
    if (root.length !== 32 || keyIdOf(root) !== active.key_id) {
      throw new Error(`the development key file ${path} does not match the database (key ${active.key_id})`);
    }
  }
  const keyring = vault.unsealWith(root, 'dev');
  await recordAudit(db, {
    actor: 'system',
    action: 'server.unseal',
    target: `key:${keyring.keyId}`,
    reason: 'development key file',
  });
  return true;
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
  const candidate = Keyring.fromRootKey(root);
  const matches = candidate.verifier() === active.verifier;
  candidate.seal();
  if (!matches) {
    root.fill(0);
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
  const keyring = vault.unsealWith(root, 'shamir');
  await recordAudit(db, { actor: 'key-holder', action: 'server.unseal', target: `key:${keyring.keyId}` });
  return { ...vault.status(), accepted: true };
}

/** The emergency brake: audit first (the act is recorded even if the process dies next), then drop the key. */
export async function sealServer(db: Db, vault: Vault, actor: string): Promise<SealStatus> {
  const keyId = vault.status().keyId;
  await recordAudit(db, { actor, action: 'server.seal', target: keyId === null ? null : `key:${keyId}` });
  vault.seal();
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

/** Opens the data key of a subject; the caller disposes it. */
export async function openSubjectKey(db: Db, vault: Vault, subject: string): Promise<DataKey> {
  const keyring = vault.requireKeyring();
  const row = await findDataKey(db, subject);
  if (row === undefined) throw new AppError('not_found', `no data key for ${subject.split(':')[0]}`);
  return unwrapDataKey(keyring, subject, { keyId: row.key_id, wrapped: toBuffer(row.wrapped) });
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
  const keyring = vault.requireKeyring();
  const out = new Map<string, DataKey>();
  for (const row of await findDataKeys(db, subjects)) {
    out.set(
      row.subject,
      unwrapDataKey(keyring, row.subject, { keyId: row.key_id, wrapped: toBuffer(row.wrapped) }),
    );
  }
  return out;
}

/**
 * Key rotation: a new root key, every data key re-wrapped (data is not re-encrypted),
 * the old key retired, the server unsealed with the new key. Returns the new shares.
 */
export async function rotateRootKey(
  db: Db,
  vault: Vault,
  options: { shares: number; threshold: number; actor: string; dataDir?: string },
): Promise<{ keyId: string; shares: string[]; rewrapped: number }> {
  const current = vault.requireKeyring();
  const root = generateRootKey();
  const next = Keyring.fromRootKey(root);
  const mode = vault.status().mode ?? 'shamir';
  const shares =
    mode === 'dev' ? [] : await splitRootKey(root, next.keyId, options.shares, options.threshold);
  let rewrapped = 0;
  await db.transaction().execute(async (trx) => {
    await insertKeyMaterial(trx, {
      key_id: next.keyId,
      mode,
      verifier: next.verifier(),
      shares: mode === 'dev' ? 1 : options.shares,
      threshold: mode === 'dev' ? 1 : options.threshold,
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
  next.seal();
  const keyId = next.keyId;
  if (mode === 'dev' && options.dataDir !== undefined) {
    await writeFile(devKeyPath(options.dataDir), `${root.toString('hex')}\n`, { mode: 0o600 });
  }
  vault.unsealWith(root, mode);
  return { keyId, shares, rewrapped };
}
