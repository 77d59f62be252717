import { isIPv4 } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseDatabaseUrl } from '../db/database-url.ts';
import { ConfigError } from './config-error.ts';
import { type AuditConfig, auditConfigFrom, auditEnvSchema } from './audit-config.ts';
import { backupEnvSchema, backupRecipientsFrom } from './backup-config.ts';
import { commaList } from './comma-list.ts';
import { type IntakeConfig, intakeConfigFrom, intakeEnvSchema } from './intake-config.ts';
import { type MailConfig, mailConfigFrom, mailEnvSchema } from './mail-config.ts';
import { parseTrustedProxies } from './trusted-proxies.ts';

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
    .default('production'),
  PORT: portSchema.default(8080),
  HOST: z.string().min(1, 'must be a host name or address, e.g. 127.0.0.1').default('127.0.0.1'),
  SANCTUARY_ONION_PORT: portSchema.min(1, 'must be between 1 and 65535').optional(),
  SANCTUARY_HEALTH_PORT: portSchema.min(1, 'must be between 1 and 65535').optional(),
  SANCTUARY_DATA_DIR: z.string().min(1, 'must be a directory path, e.g. ./data').default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (leave it unset for the embedded database)')
    .optional(),
  SANCTUARY_DB_RETRY_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds, e.g. 30' })
    .int('must be a whole number of seconds, e.g. 30')
    .min(0, 'must be 0 (no retry) or more')
    .max(600, 'must be at most 600')
    .default(30),
  SANCTUARY_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, silent',
    })
    .default('info'),
  SANCTUARY_PUBLIC_URL: z
    .url({ error: 'must be an absolute URL such as https://help.example.org' })
    .optional(),
  SANCTUARY_STAFF_URL: z
    .url({ error: 'must be an absolute URL such as https://staff.example.org' })
    .refine((u) => /^https?:$/.test(new URL(u).protocol), { error: 'must be an http(s) URL' })
    .optional(),
  SANCTUARY_TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .default('false')
    .transform((v) => v === 'true'),
  SANCTUARY_TRUSTED_PROXIES: z.string().max(4096).optional(),
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
  /** Two-person acts (ADR 0138): hours a request stays open, days an approver's account must be old. */
  SANCTUARY_APPROVAL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(72),
  SANCTUARY_APPROVER_MIN_AGE_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  SANCTUARY_ENROLMENT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3 * 24)
    .default(24),
  SANCTUARY_EVIDENCE_RECORDING_MAX_MB: z.coerce.number().int().min(1).max(2000).default(200),
  SANCTUARY_EVIDENCE_TSA_URL: z
    .url({
      error: 'must be the http(s) URL of an RFC 3161 timestamp authority, e.g. https://tsa.example.org/tsr',
    })
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  SANCTUARY_PDF_EXPORTS_PER_DAY: z.coerce
    .number({ error: 'must be a number of case PDFs per staff member per day, e.g. 20' })
    .int('must be a whole number, e.g. 20')
    .min(0, 'must be 0 (every PDF needs approval) or more')
    .max(1000, 'must be at most 1000')
    .default(20),
  SANCTUARY_SIGNIN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  SANCTUARY_ENROL_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  SANCTUARY_SIGNIN_PER_SOURCE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
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
  ...auditEnvSchema,
  ...backupEnvSchema,
  ...mailEnvSchema,
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
  /**
   * PostgreSQL URL, with one host or a list (`h1:5432,h2:5432`, the primary and its standby:
   * the app uses whichever accepts writes, ADR 0118); undefined means the embedded database
   * (PGlite) in `dataDir`.
   */
  readonly databaseUrl: string | undefined;
  /**
   * How long idempotent work (a group-commit batch of submissions) waits and retries for a
   * writable primary after losing its connection (a failover), before answering 503 (ADR 0118).
   */
  readonly databaseRetrySeconds: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Base URL used in links the server prints (enrolment links). */
  readonly publicUrl: string;
  /**
   * The origin staff use, if it is not `publicUrl` (SANCTUARY_STAFF_URL): the WebAuthn relying
   * party (its host name is the RP ID, its origin the only one accepted, ADR 0172).
   */
  readonly staffUrl: string | undefined;
  /** True when a TLS-terminating reverse proxy sits in front; cookies are then `Secure`. */
  readonly trustProxy: boolean;
  /**
   * Addresses and CIDR ranges of the reverse proxies whose `X-Forwarded-For` is believed: a
   * request from one of them counts as coming from the right-most address it forwards that is
   * not itself a trusted proxy. Empty: the connection's own address, whatever the headers say
   * (ADR 0089).
   */
  readonly trustedProxies: readonly string[];
  /** Unix socket of the local admin channel (unseal, seal, staff create). */
  readonly adminSocket: string;
  readonly session: { readonly idleMinutes: number; readonly maxHours: number };
  readonly enrolmentHours: number;
  /** Two-person acts (ADR 0138): how long a request may wait, how old an approver's account must be. */
  readonly approvals: { readonly hours: number; readonly approverMinAgeDays: number };
  /** Single-case PDFs one staff member may export per UTC day before a second person must approve (ADR 0096). */
  readonly pdfExportsPerDay: number;
  /** RFC 3161 timestamp authority for evidence bundles (ADR 0136); none: bundles carry no token. */
  readonly evidenceTsaUrl: string | undefined;
  /** The largest recorded interview (audio or video) kept as evidence, in bytes. */
  readonly evidenceRecordingMaxBytes: number;
  /** Sign-in attempts per minute for the whole server, before Argon2 is reached. */
  readonly signInPerMinute: number;
  /** Enrolment form posts per minute for the whole server. */
  readonly enrolPerMinute: number;
  /** Staff sign-in (and enrolment) attempts per minute from one source (address or Tor circuit), checked first (ADR 0088). */
  readonly signInPerSourcePerMinute: number;
  /**
   * Only with SANCTUARY_ENV=development set explicitly (the default is production) on a loopback
   * host with the embedded database: the dev key file under the data directory unseals the
   * server at start, and CLI commands may open the database themselves with it.
   */
  readonly devAutoUnseal: boolean;
  /** Intake: queue, proof of work, applicant sessions, uploads, Telegram (src/modules/intake). */
  readonly intake: IntakeConfig;
  /**
   * Raw Ed25519 public keys (hex) whose signed pathways content packs this server accepts
   * (ADR 0102). Several for key rotation; empty means no pack is accepted.
   */
  readonly pathwaysPackKeys: readonly string[];
  /** Audit: the pinned audit key and the checkpoint witnesses (ADR 0085). */
  readonly audit: AuditConfig;
  /** age public keys every backup archive is encrypted to (ADR 0113); empty: backups refused. */
  readonly backupRecipients: readonly string[];
  /** E-mail digests through the organisation's SMTP server (ADR 0188); undefined: none sent. */
  readonly mail?: MailConfig | undefined;
}

/** Settings whose value is never repeated in an error message. */
const SECRET_SETTINGS = new Set(['SANCTUARY_SMTP_URL']);

/** Thrown when the environment is invalid; `message` lists every problem and its fix. */
export { ConfigError } from './config-error.ts';

function resolveDir(dir: string): string {
  return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
}

/** Validates raw environment variables and returns the frozen config. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'environment';
      // A value that may hold a password (the SMTP URL) is not echoed back (ADR 0188).
      const got = SECRET_SETTINGS.has(String(issue.path[0]))
        ? 'a value, not shown'
        : JSON.stringify(env[String(issue.path[0])] ?? null);
      return `  ${name} ${issue.message} (got ${got})`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolveDir(e.SANCTUARY_DATA_DIR);
  if (e.SANCTUARY_ENV === 'production' && e.SANCTUARY_PUBLIC_URL === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  SANCTUARY_PUBLIC_URL must be set in production, e.g. https://help.example.org (it is used in enrolment links)' +
        (env.SANCTUARY_ENV === undefined
          ? '\n  SANCTUARY_ENV is not set, so this is production. To try Sanctuary on this machine, run `npm start` (or set SANCTUARY_ENV=development).'
          : ''),
    );
  }
  if (e.SANCTUARY_ENV !== 'production') refuseDevelopmentOutsideLoopback(e);
  if (e.DATABASE_URL !== undefined) {
    const url = parseDatabaseUrl(e.DATABASE_URL);
    if ('problem' in url) throw new ConfigError(`Invalid configuration:\n  DATABASE_URL ${url.problem}`);
  }
  const proxies = parseTrustedProxies(e.SANCTUARY_TRUSTED_PROXIES);
  if ('problem' in proxies) throw new ConfigError(`Invalid configuration:\n  ${proxies.problem}`);
  const mail = mailConfigFrom(e);
  if (mail !== undefined && 'problem' in mail)
    throw new ConfigError(`Invalid configuration:\n  ${mail.problem}`);
  const hostForUrl = e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  return deepFreeze({
    env: e.SANCTUARY_ENV,
    port: e.PORT,
    host: e.HOST,
    onionPort: e.SANCTUARY_ONION_PORT,
    healthPort: e.SANCTUARY_HEALTH_PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databaseRetrySeconds: e.SANCTUARY_DB_RETRY_SECONDS,
    logLevel: e.SANCTUARY_LOG_LEVEL,
    publicUrl: (e.SANCTUARY_PUBLIC_URL ?? `http://${hostForUrl}:${e.PORT}`).replace(/\/+$/, ''),
    staffUrl: e.SANCTUARY_STAFF_URL?.replace(/\/+$/, ''),
    trustProxy: e.SANCTUARY_TRUST_PROXY,
    trustedProxies: proxies.list,
    adminSocket: e.SANCTUARY_ADMIN_SOCKET ?? join(dataDir, 'run', 'admin.sock'),
    session: { idleMinutes: e.SANCTUARY_SESSION_IDLE_MINUTES, maxHours: e.SANCTUARY_SESSION_MAX_HOURS },
    enrolmentHours: e.SANCTUARY_ENROLMENT_HOURS,
    approvals: { hours: e.SANCTUARY_APPROVAL_HOURS, approverMinAgeDays: e.SANCTUARY_APPROVER_MIN_AGE_DAYS },
    pdfExportsPerDay: e.SANCTUARY_PDF_EXPORTS_PER_DAY,
    evidenceTsaUrl: e.SANCTUARY_EVIDENCE_TSA_URL,
    evidenceRecordingMaxBytes: e.SANCTUARY_EVIDENCE_RECORDING_MAX_MB * 1024 * 1024,
    signInPerMinute: e.SANCTUARY_SIGNIN_PER_MINUTE,
    enrolPerMinute: e.SANCTUARY_ENROL_PER_MINUTE,
    signInPerSourcePerMinute: e.SANCTUARY_SIGNIN_PER_SOURCE_PER_MINUTE,
    devAutoUnseal: e.SANCTUARY_ENV !== 'production' && e.SANCTUARY_DEV_AUTO_UNSEAL,
    intake: intakeConfigFrom(e),
    pathwaysPackKeys: [...new Set(commaList(e.SANCTUARY_PATHWAYS_PACK_KEYS))],
    audit: auditConfigFrom(e, dataDir),
    backupRecipients: backupRecipientsFrom(e),
    mail,
  });
}

/**
 * Development (and test) mode unseals the server by itself from a key file in the data
 * directory, so it runs only where nobody else can reach it (issue 12, finding 4; ADR 0083):
 * anything that looks like a deployment refuses to start in it, with the way out.
 */
function refuseDevelopmentOutsideLoopback(e: {
  SANCTUARY_ENV: Environment;
  DATABASE_URL?: string | undefined;
  SANCTUARY_TRUST_PROXY: boolean;
  HOST: string;
}): void {
  const reasons: string[] = [];
  if (e.DATABASE_URL !== undefined) reasons.push('DATABASE_URL is set (a PostgreSQL server)');
  if (e.SANCTUARY_TRUST_PROXY) reasons.push('SANCTUARY_TRUST_PROXY=true (a reverse proxy in front)');
  if (!isLoopbackHost(e.HOST)) reasons.push(`HOST=${e.HOST} is not a loopback address`);
  if (reasons.length === 0) return;
  throw new ConfigError(
    `Invalid configuration:\n  SANCTUARY_ENV=${e.SANCTUARY_ENV} unseals the server with a key file on disk, so it runs only on a loopback host with the embedded database, but ${reasons.join('; ')}.\n` +
      '  For a server: set SANCTUARY_ENV=production and SANCTUARY_PUBLIC_URL, create key shares with `sanctuary keys init` and unseal with them (docs/OPERATIONS.md).\n' +
      '  For a local trial: unset those settings and keep HOST=127.0.0.1.',
  );
}

/** 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIPv4(v4) && v4.startsWith('127.');
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
