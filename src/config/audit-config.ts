import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { normaliseAuditFingerprint } from '../crypto/index.ts';
import { commaList } from './comma-list.ts';
import { ConfigError } from './config-error.ts';

/**
 * Audit settings: the pinned audit key, and the witnesses every checkpoint is pushed to
 * (ADR 0085). Part of the one configuration schema: config.ts spreads `auditEnvSchema`.
 */
export const auditEnvSchema = {
  SANCTUARY_AUDIT_KEY_FINGERPRINT: z
    .string()
    .refine(
      (v) => v.split(',').every((f) => normaliseAuditFingerprint(f.trim()) !== undefined),
      'must be the fingerprint printed by "sanctuary keys init" (32 hex digits, e.g. 1a2b-3c4d-…), or several separated by commas',
    )
    .optional(),
  SANCTUARY_AUDIT_WITNESS_FILE: z
    .string()
    .min(1, 'must be a file path outside the data directory')
    .optional(),
  SANCTUARY_AUDIT_WITNESS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL of your witness server' })
    .optional(),
  SANCTUARY_AUDIT_WITNESS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{16,512}$/, 'must be 16-512 token characters (e.g. `openssl rand -hex 32`)')
    .optional(),
  // Other organisations' Sanctuary servers that witness this one's checkpoints (ADR 0175): the
  // federation fingerprints of verified peers, comma-separated. Only these are ever called.
  SANCTUARY_WITNESS_PEERS: z
    .string()
    .refine(
      (v) => v.split(',').every((f) => normaliseAuditFingerprint(f.trim()) !== undefined),
      'must be federation fingerprints of verified peers (as shown on /staff/federation), separated by commas',
    )
    .optional(),
  // The silence alarm (ADR 0213): minutes without a checkpoint from a witnessed origin, or without
  // a countersignature from one of this server's witnesses, before the alarm is raised.
  SANCTUARY_WITNESS_SILENCE_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(15, 'must be at least 15 minutes (checkpoints are signed every 5 minutes)')
    .max(10080, 'must be at most 10080 minutes (a week)')
    .optional(),
};

/** Minutes without a checkpoint before the silence alarm, when SANCTUARY_WITNESS_SILENCE_MINUTES is unset (ADR 0213). */
export const DEFAULT_WITNESS_SILENCE_MINUTES = 60;

export interface AuditConfig {
  /** Fingerprints of the audit keys this organisation signs with; empty means not pinned. */
  readonly keyFingerprints: readonly string[];
  /** Absolute path of a JSON Lines file outside the data directory that receives every checkpoint. */
  readonly witnessFile: string | undefined;
  /** A second server of the operator's that receives every checkpoint (POST, JSON). */
  readonly witnessUrl: string | undefined;
  readonly witnessToken: string | undefined;
  /** Federation fingerprints of the peers that witness every checkpoint (ADR 0175). */
  readonly witnessPeers: readonly string[];
  /** Minutes without a checkpoint before the silence alarm (ADR 0213); unset: the default, 60. */
  readonly witnessSilenceMinutes?: number | undefined;
}

type AuditEnv = z.output<z.ZodObject<typeof auditEnvSchema>>;

export function auditConfigFrom(e: AuditEnv, dataDir: string): AuditConfig {
  const witnessFile =
    e.SANCTUARY_AUDIT_WITNESS_FILE === undefined ? undefined : resolve(e.SANCTUARY_AUDIT_WITNESS_FILE);
  if (witnessFile !== undefined) {
    const inside = relative(dataDir, witnessFile);
    // A witness in the data directory goes wherever the database goes: an intruder who can
    // rewrite one rewrites the other.
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      throw new ConfigError(
        `Invalid configuration:\n  SANCTUARY_AUDIT_WITNESS_FILE must be outside the data directory ${dataDir} (e.g. on another disk or a mounted share), got ${witnessFile}`,
      );
    }
  }
  return {
    keyFingerprints: commaList(e.SANCTUARY_AUDIT_KEY_FINGERPRINT)
      .map(normaliseAuditFingerprint)
      .filter((f): f is string => f !== undefined),
    witnessFile,
    witnessUrl: e.SANCTUARY_AUDIT_WITNESS_URL,
    witnessToken: e.SANCTUARY_AUDIT_WITNESS_TOKEN,
    witnessPeers: commaList(e.SANCTUARY_WITNESS_PEERS)
      .map(normaliseAuditFingerprint)
      .filter((f): f is string => f !== undefined),
    ...(e.SANCTUARY_WITNESS_SILENCE_MINUTES === undefined
      ? {}
      : { witnessSilenceMinutes: e.SANCTUARY_WITNESS_SILENCE_MINUTES }),
  };
}
