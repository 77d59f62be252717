import type { Logger } from 'pino';
import type { AuditConfig } from '../../config/audit-config.ts';
import { auditPublicKey, fingerprintAuditKey, type Keyring } from '../../crypto/index.ts';
import { type AuditCheckpoint, appendCheckpointFile } from './audit.service.ts';

/**
 * Witnesses outside the server (ADR 0085). Every signed checkpoint is pushed to each one the
 * operator configured: a JSON Lines file outside the data directory (another disk, a mounted
 * share, a write-only drop) and/or a second server of the operator's own (HTTP POST, JSON
 * body, optional bearer token). An intruder who rewrites the database and the data
 * directory cannot reach those copies, and `sanctuary audit verify --witness FILE` then shows
 * what was deleted. Nothing else is ever called: only the endpoints in the configuration.
 */
const WITNESS_TIMEOUT_MS = 10_000;

export interface WitnessOutcome {
  file?: 'ok' | 'failed';
  url?: 'ok' | 'failed';
}

/** Pushes one checkpoint to every configured witness; a failure is logged and reported, never thrown. */
export async function pushToWitnesses(
  audit: AuditConfig,
  checkpoint: AuditCheckpoint,
  logger: Logger,
  fetchImpl: typeof fetch = fetch,
): Promise<WitnessOutcome> {
  const outcome: WitnessOutcome = {};
  if (audit.witnessFile !== undefined) {
    try {
      await appendCheckpointFile(audit.witnessFile, checkpoint);
      outcome.file = 'ok';
    } catch (error) {
      outcome.file = 'failed';
      logger.error({ err: error, seq: checkpoint.seq }, 'audit witness file could not be written');
    }
  }
  if (audit.witnessUrl !== undefined) {
    try {
      const response = await fetchImpl(audit.witnessUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(audit.witnessToken === undefined ? {} : { authorization: `Bearer ${audit.witnessToken}` }),
        },
        body: JSON.stringify(checkpoint),
        signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`witness answered ${response.status}`);
      outcome.url = 'ok';
    } catch (error) {
      outcome.url = 'failed';
      logger.error({ err: error, seq: checkpoint.seq }, 'audit witness server did not take the checkpoint');
    }
  }
  return outcome;
}

export interface AuditTrust {
  /** Fingerprints a checkpoint's key must have; empty when nothing anchors the check. */
  fingerprints: string[];
  /** The unsealed keyring's audit key, when the keyring is at hand. */
  keyringFingerprint?: string;
  /** Set when the keyring's audit key is not a pinned one: the keyring or the pin is wrong. */
  mismatch?: string;
}

/**
 * What a checkpoint's key is compared with: the pinned fingerprints from the configuration,
 * and, while unsealed, the keyring's own audit key (which an intruder with the database cannot
 * change: it comes from the key holders' shares). With nothing pinned, the keyring alone is
 * the anchor; with neither, nothing is, and callers must say so loudly.
 */
export function auditTrust(audit: AuditConfig, keyring: Keyring | undefined): AuditTrust {
  const pinned = [...audit.keyFingerprints];
  if (keyring === undefined) return { fingerprints: pinned };
  const own = fingerprintAuditKey(auditPublicKey(keyring));
  if (pinned.length === 0) return { fingerprints: [own], keyringFingerprint: own };
  if (!pinned.includes(own)) {
    return {
      fingerprints: pinned,
      keyringFingerprint: own,
      mismatch: `the unsealed keyring's audit key is ${own}, but SANCTUARY_AUDIT_KEY_FINGERPRINT pins ${pinned.join(' or ')} (key fingerprint mismatch)`,
    };
  }
  return { fingerprints: pinned, keyringFingerprint: own };
}
