import { Encrypter } from 'age-encryption';
import { z } from 'zod';
import { commaList } from './comma-list.ts';

/**
 * Backup settings (ADR 0113): the age recipients every `sanctuary backup` archive is encrypted
 * to. Part of the one configuration schema: config.ts spreads `backupEnvSchema`. Each key is
 * parsed by the age library itself (bech32 checksum included), so a typo fails at start-up,
 * not on the night the backup is needed.
 */
export const backupEnvSchema = {
  SANCTUARY_BACKUP_RECIPIENTS: z
    .string()
    .max(16_384)
    .refine(
      (v) => commaList(v).length > 0 && commaList(v).every(isAgeRecipient),
      'must be age public keys (age1…, as printed by `age-keygen -y` or `age-keygen`), separated by commas',
    )
    .optional(),
};

/** True when age accepts `key` as a recipient (X25519 `age1…` or post-quantum `age1pq1…`). */
export function isAgeRecipient(key: string): boolean {
  if (!key.startsWith('age1')) return false;
  try {
    new Encrypter().addRecipient(key);
    return true;
  } catch {
    return false;
  }
}

type BackupEnv = z.output<z.ZodObject<typeof backupEnvSchema>>;

/** The recipients, de-duplicated; empty when unset (then `sanctuary backup` refuses). */
export function backupRecipientsFrom(e: BackupEnv): readonly string[] {
  return [...new Set(commaList(e.SANCTUARY_BACKUP_RECIPIENTS))];
}
