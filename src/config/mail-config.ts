import { z } from 'zod';

/**
 * E-mail notifications (issue 21 item 3, ADR 0188): the organisation's own SMTP server, off
 * unless the operator sets it. Part of the one configuration schema: config.ts spreads
 * `mailEnvSchema`. The URL may carry a password, so it is never logged or echoed back.
 */
export const mailEnvSchema = {
  SANCTUARY_SMTP_URL: z
    .string()
    .max(2048)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be smtps://user:password@mail.example.org:465 or smtp://mail.example.org:587 (STARTTLS)')
    .optional(),
  SANCTUARY_SMTP_FROM: z.email({ error: 'must be an e-mail address, e.g. sanctuary@example.org' }).optional(),
  SANCTUARY_MAIL_DIGEST_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes, e.g. 60' })
    .int('must be a whole number of minutes, e.g. 60')
    .min(15, 'must be at least 15 (a digest, not a message per event)')
    .max(7 * 24 * 60, 'must be at most a week (10080)')
    .default(60),
};

export interface MailConfig {
  /** smtp:// (STARTTLS required) or smtps:// with the credentials in it. Never logged. */
  readonly smtpUrl: string;
  readonly from: string;
  /** The least time between two digests to one person. */
  readonly digestMinutes: number;
}

type MailEnv = z.output<z.ZodObject<typeof mailEnvSchema>>;

/** The mail settings, or undefined when no SMTP server is configured (nothing is sent). */
export function mailConfigFrom(e: MailEnv): MailConfig | undefined | { problem: string } {
  if (e.SANCTUARY_SMTP_URL === undefined) {
    return e.SANCTUARY_SMTP_FROM === undefined
      ? undefined
      : { problem: 'SANCTUARY_SMTP_FROM is set but SANCTUARY_SMTP_URL is not: set both, or neither' };
  }
  if (e.SANCTUARY_SMTP_FROM === undefined) {
    return {
      problem: 'SANCTUARY_SMTP_URL is set but SANCTUARY_SMTP_FROM is not, e.g. sanctuary@example.org',
    };
  }
  return {
    smtpUrl: e.SANCTUARY_SMTP_URL,
    from: e.SANCTUARY_SMTP_FROM,
    digestMinutes: e.SANCTUARY_MAIL_DIGEST_MINUTES,
  };
}
