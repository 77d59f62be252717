import { z } from 'zod';
import { ConfigError } from './config-error.ts';

/**
 * Intake settings (applicant site, anti-flood, Telegram). Part of the one configuration
 * schema: config.ts spreads `intakeEnvSchema` into its environment schema.
 */
const bool = z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).transform((v) => v === 'true');

export const intakeEnvSchema = {
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'must look like 123456:ABC-DEF… (from @BotFather)')
    .optional(),
  TELEGRAM_API_ROOT: z
    .url({ error: 'must be an absolute URL, e.g. https://api.telegram.org (or a local Bot API server)' })
    .default('https://api.telegram.org'),
  TELEGRAM_MODE: z
    .enum(['off', 'webhook', 'polling'], { error: 'must be "off", "webhook" or "polling"' })
    .optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{16,256}$/,
      'must be 16-256 characters A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`)',
    )
    .optional(),
  INTAKE_QUEUE_CAPACITY: z.coerce.number().int().min(1).max(100_000).default(2_000),
  INTAKE_BATCH_MAX: z.coerce.number().int().min(1).max(1_000).default(200),
  INTAKE_WRITERS: z.coerce.number().int().min(1).max(16).default(2),
  INTAKE_POW_DIFFICULTY: z.coerce.number().int().min(1).max(28).default(18),
  INTAKE_NOJS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(30),
  INTAKE_PARTNER_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(600),
  INTAKE_PER_CLIENT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(5),
  INTAKE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(120).default(15),
  INTAKE_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(50).default(10),
  INTAKE_QUICK_EXIT_URL: z.url({ error: 'must be an absolute URL' }).default('https://yandex.ru/pogoda/'),
  INTAKE_MIN_FILL_SECONDS: z.coerce.number().int().min(0).max(600).default(3),
  INTAKE_REQUIRE_POW: bool.default(false),
};

export interface IntakeConfig {
  readonly telegram: {
    readonly token: string | undefined;
    readonly apiRoot: string;
    readonly mode: 'off' | 'webhook' | 'polling';
    readonly webhookSecret: string | undefined;
  };
  /** Pending submissions at most; beyond this, 503 with Retry-After. */
  readonly queueCapacity: number;
  /** Submissions committed together in one transaction at most. */
  readonly batchMax: number;
  /** Concurrent committing transactions (1 on the embedded database). */
  readonly writers: number;
  /** Leading zero bits the JavaScript proof of work must find. */
  readonly powDifficulty: number;
  /** Submissions per minute, all clients together, that may arrive without proof of work. */
  readonly noJsPerMinute: number;
  /** Partner API calls per minute per partner token. */
  readonly partnerPerMinute: number;
  /** Submissions per minute from one client (connection address, HMAC-keyed in memory only). */
  readonly perClientPerMinute: number;
  readonly sessionIdleMinutes: number;
  readonly maxUploadBytes: number;
  readonly quickExitUrl: string;
  /** A no-JavaScript form must have been open this long before it is accepted. */
  readonly minFillSeconds: number;
  /** Refuse submissions without proof of work altogether (an operator's flood switch). */
  readonly requirePow: boolean;
}

type IntakeEnv = z.output<z.ZodObject<typeof intakeEnvSchema>>;

export function intakeConfigFrom(e: IntakeEnv): IntakeConfig {
  const mode = e.TELEGRAM_MODE ?? (e.TELEGRAM_BOT_TOKEN === undefined ? 'off' : 'polling');
  if (mode !== 'off' && e.TELEGRAM_BOT_TOKEN === undefined) {
    throw new ConfigError(
      `Invalid configuration:\n  TELEGRAM_BOT_TOKEN must be set when TELEGRAM_MODE is "${mode}" (create a bot with @BotFather), or set TELEGRAM_MODE=off`,
    );
  }
  if (mode === 'webhook' && e.TELEGRAM_WEBHOOK_SECRET === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET must be set in webhook mode (e.g. `openssl rand -hex 32`); Telegram sends it back in X-Telegram-Bot-Api-Secret-Token',
    );
  }
  return {
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
      mode,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
    },
    queueCapacity: e.INTAKE_QUEUE_CAPACITY,
    batchMax: e.INTAKE_BATCH_MAX,
    writers: e.INTAKE_WRITERS,
    powDifficulty: e.INTAKE_POW_DIFFICULTY,
    noJsPerMinute: e.INTAKE_NOJS_PER_MINUTE,
    perClientPerMinute: e.INTAKE_PER_CLIENT_PER_MINUTE,
    partnerPerMinute: e.INTAKE_PARTNER_PER_MINUTE,
    sessionIdleMinutes: e.INTAKE_SESSION_IDLE_MINUTES,
    maxUploadBytes: e.INTAKE_MAX_UPLOAD_MB * 1024 * 1024,
    quickExitUrl: e.INTAKE_QUICK_EXIT_URL,
    minFillSeconds: e.INTAKE_MIN_FILL_SECONDS,
    requirePow: e.INTAKE_REQUIRE_POW,
  };
}
