import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { type IntakeConfig, intakeConfigFrom, intakeEnvSchema } from './intake-config.ts';

/**
 * The one configuration schema. `loadConfig()` validates the environment once at
 * start-up and returns a frozen object; every error says how to fix it.
 * Tests build their config with `buildConfig()` instead of the environment.
 */
const portSchema = z.coerce
  .number({ error: 'must be a number, e.g. 8080' })
  .int('must be a whole number, e.g. 8080')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const envSchema = z.object({
  SANCTUARY_ENV: z
    .enum(['development', 'production', 'test'], {
      error: 'must be "development" or "production" (test is for the test suite)',
    })
    .default('development'),
  PORT: portSchema.default(8080),
  HOST: z.string().min(1, 'must be a host name or address, e.g. 127.0.0.1').default('127.0.0.1'),
  SANCTUARY_ONION_PORT: portSchema.min(1, 'must be between 1 and 65535').optional(),
  SANCTUARY_HEALTH_PORT: portSchema.min(1, 'must be between 1 and 65535').optional(),
  SANCTUARY_DATA_DIR: z.string().min(1, 'must be a directory path, e.g. ./data').default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (leave it unset for the embedded database)')
    .optional(),
  SANCTUARY_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, silent',
    })
    .default('info'),
  SANCTUARY_PUBLIC_URL: z
    .url({ error: 'must be an absolute URL such as https://help.example.org' })
    .optional(),
  SANCTUARY_TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .default('false')
    .transform((v) => v === 'true'),
  SANCTUARY_ADMIN_SOCKET: z.string().min(1).optional(),
  SANCTUARY_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SANCTUARY_SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(12),
  SANCTUARY_ENROLMENT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(48),
  SANCTUARY_SIGNIN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  SANCTUARY_ENROL_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  SANCTUARY_DEV_AUTO_UNSEAL: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .default('true')
    .transform((v) => v === 'true'),
  SANCTUARY_PATHWAYS_PACK_KEYS: z
    .string()
    .regex(
      /^\s*[0-9a-f]{64}\s*(,\s*[0-9a-f]{64}\s*)*$/,
      'must be a comma-separated list of Ed25519 public keys, 64 lower-case hex characters each, as printed by `sanctuary pathways pack keygen`',
    )
    .optional(),
  ...intakeEnvSchema,
});

export type Environment = 'development' | 'production' | 'test';

export interface Config {
  readonly env: Environment;
  readonly port: number;
  readonly host: string;
  /**
   * A second, loopback-only port for Tor's onion service with `HiddenServiceExportCircuitID
   * haproxy`: each Tor circuit is then its own client for rate limits (ADR 0008).
   */
  readonly onionPort: number | undefined;
  /**
   * A loopback-only port that answers only /healthz and /readyz, for health checks that must
   * not queue behind a flood on the main port (ADR 0080).
   */
  readonly healthPort: number | undefined;
  /** Absolute path of the data directory (embedded database, keys, run files, blobs). */
  readonly dataDir: string;
  /** PostgreSQL URL; undefined means the embedded database (PGlite) in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Base URL used in links the server prints (enrolment links). */
  readonly publicUrl: string;
  /** True when a TLS-terminating reverse proxy sits in front; cookies are then `Secure`. */
  readonly trustProxy: boolean;
  /** Unix socket of the local admin channel (unseal, seal, staff create). */
  readonly adminSocket: string;
  readonly session: { readonly idleMinutes: number; readonly maxHours: number };
  readonly enrolmentHours: number;
  /** Sign-in attempts per minute for the whole server, before Argon2 is reached. */
  readonly signInPerMinute: number;
  /** Enrolment form posts per minute for the whole server. */
  readonly enrolPerMinute: number;
  /** In development the dev key file under the data directory unseals the server at start. */
  readonly devAutoUnseal: boolean;
  /** Intake: queue, proof of work, applicant sessions, uploads, Telegram (src/modules/intake). */
  readonly intake: IntakeConfig;
  /**
   * Raw Ed25519 public keys (hex) whose signed pathways content packs this server accepts
   * (ADR 0102). Several for key rotation; empty means no pack is accepted.
   */
  readonly pathwaysPackKeys: readonly string[];
}

/** Thrown when the environment is invalid; `message` lists every problem and its fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function resolveDir(dir: string): string {
  return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
}

/** Validates raw environment variables and returns the frozen config. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'environment';
      return `  ${name} ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])] ?? null)})`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolveDir(e.SANCTUARY_DATA_DIR);
  if (e.SANCTUARY_ENV === 'production' && e.SANCTUARY_PUBLIC_URL === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  SANCTUARY_PUBLIC_URL must be set in production, e.g. https://help.example.org (it is used in enrolment links)',
    );
  }
  const hostForUrl = e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  return deepFreeze({
    env: e.SANCTUARY_ENV,
    port: e.PORT,
    host: e.HOST,
    onionPort: e.SANCTUARY_ONION_PORT,
    healthPort: e.SANCTUARY_HEALTH_PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.SANCTUARY_LOG_LEVEL,
    publicUrl: (e.SANCTUARY_PUBLIC_URL ?? `http://${hostForUrl}:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: e.SANCTUARY_TRUST_PROXY,
    adminSocket: e.SANCTUARY_ADMIN_SOCKET ?? join(dataDir, 'run', 'admin.sock'),
    session: { idleMinutes: e.SANCTUARY_SESSION_IDLE_MINUTES, maxHours: e.SANCTUARY_SESSION_MAX_HOURS },
    enrolmentHours: e.SANCTUARY_ENROLMENT_HOURS,
    signInPerMinute: e.SANCTUARY_SIGNIN_PER_MINUTE,
    enrolPerMinute: e.SANCTUARY_ENROL_PER_MINUTE,
    devAutoUnseal: e.SANCTUARY_ENV !== 'production' && e.SANCTUARY_DEV_AUTO_UNSEAL,
    intake: intakeConfigFrom(e),
    pathwaysPackKeys: [
      ...new Set(
        (e.SANCTUARY_PATHWAYS_PACK_KEYS ?? '')
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k !== ''),
      ),
    ],
  });
}

/** Reads `process.env` once. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}

/** Test factory: a valid config with overrides, never read from the environment. */
export function buildConfig(overrides: Partial<Config> & { dataDir: string }): Config {
  const base = parseConfig({ SANCTUARY_ENV: 'test', SANCTUARY_DATA_DIR: overrides.dataDir, PORT: '0' });
  return deepFreeze({ ...base, ...overrides });
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object);
  }
  return Object.freeze(value);
}
