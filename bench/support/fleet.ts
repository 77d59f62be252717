/**
 * Several Sanctuary instances on one PostgreSQL database, as in production (issue 17): each
 * its own `node bin/sanctuary.js serve` process with its own data directory (admin socket),
 * in production mode, unsealed through its admin socket with the same key shares. Used by
 * `npm run bench -- failover` and `npm run bench -- soak`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.ts';
import { callAdmin } from '../../src/cli/admin-client.ts';
import { parseConfig } from '../../src/config/config.ts';
import { totpCode } from '../../src/crypto/index.ts';
import { completeEnrolment, createStaff, startEnrolment } from '../../src/modules/auth/staff.service.ts';
import { issuePartnerToken } from '../../src/modules/intake/channels/partner-api/partner.service.ts';
import { initShamirKeys, submitUnsealShare } from '../../src/modules/keys/keys.service.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { freePort } from './pg.ts';

export interface StaffLogin {
  email: string;
  password: string;
  totpSecret: string;
}

export interface Deployment {
  shares: string[];
  partnerToken: string;
  staff: StaffLogin[];
}

/** The environment every instance shares (production mode, generous limits for a benchmark). */
export function fleetEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    SANCTUARY_ENV: 'production',
    SANCTUARY_PUBLIC_URL: 'http://127.0.0.1',
    DATABASE_URL: databaseUrl,
    SANCTUARY_LOG_LEVEL: 'warn',
    INTAKE_QUEUE_CAPACITY: '4000',
    INTAKE_PARTNER_PER_MINUTE: '10000000',
    INTAKE_NOJS_PER_MINUTE: '100000',
    INTAKE_PER_CLIENT_PER_MINUTE: '100000',
    INTAKE_POW_DIFFICULTY: '8',
    INTAKE_MIN_FILL_SECONDS: '0',
    SANCTUARY_SIGNIN_PER_MINUTE: '100000',
    SANCTUARY_SIGNIN_PER_SOURCE_PER_MINUTE: '100000',
    ...extra,
  };
}

/**
 * Migrates the database and sets up what the instances share, through the real services in
 * this process: a Shamir-split key (2 of 2), one partner token, and `staffCount` enrolled
 * coordinators (they see every case).
 */
export async function prepareDeployment(env: Record<string, string>, staffCount = 0): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-setup-'));
  try {
    const app = await buildApp(parseConfig({ ...env, SANCTUARY_DATA_DIR: dataDir }), {
      logger: createLogger('warn'),
    });
    try {
      const ctx = app.sanctuary;
      const { shares } = await initShamirKeys(ctx.database.db, { shares: 2, threshold: 2 });
      for (const share of shares) await submitUnsealShare(ctx.database.db, ctx.vault, share);
      const { token } = await issuePartnerToken(ctx, { kind: 'cli', id: 'cli' }, { label: 'bench' });
      const staff: StaffLogin[] = [];
      for (let i = 0; i < staffCount; i += 1) {
        const email = `bench${i}@example.org`;
        const created = await createStaff(ctx, { kind: 'cli', id: 'cli' }, { email, role: 'coordinator' });
        const enrolment = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
        const view = await startEnrolment(ctx, enrolment);
        const password = `bench password number ${i} is long`;
        await completeEnrolment(ctx, enrolment, {
          password,
          passwordRepeat: password,
          totp: totpCode(view.totpSecret),
        });
        staff.push({ email, password, totpSecret: view.totpSecret });
      }
      return { shares, partnerToken: token, staff };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Samples sent by the instance itself every second (RSS, heap), via the IPC channel. */
  readonly memory: Array<{ at: number; rss: number; heapUsed: number }>;
  /** Lines the instance wrote to stderr (warnings and errors; never personal data). */
  readonly errors: string[];
  stop(): Promise<void>;
}

/** Starts one instance, waits until it listens, and unseals it over its admin socket. */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  shares: readonly string[],
): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), `sanctuary-bench-${name}-`));
  const port = await freePort();
  const healthPort = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', join(import.meta.dirname, 'memory-probe.mjs'), 'bin/sanctuary.js', 'serve'],
    {
      env: {
        ...env,
        SANCTUARY_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        SANCTUARY_HEALTH_PORT: String(healthPort),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const memory: Instance['memory'] = [];
  const errors: string[] = [];
  child.on('message', (m: { rss?: number; heapUsed?: number }) => {
    if (typeof m.rss === 'number' && typeof m.heapUsed === 'number') {
      memory.push({ at: performance.now(), rss: m.rss, heapUsed: m.heapUsed });
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim() !== '') errors.push(line);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (d.toString().includes('listening') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code}`)));
  });
  const adminSocket = join(dataDir, 'run', 'admin.sock');
  for (const share of shares) await callAdmin(adminSocket, 'POST', '/unseal', { share });
  return {
    name,
    port,
    pid: child.pid!,
    memory,
    errors,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  body: string;
  ms: number;
  location?: string;
}

/** A small cookie-keeping HTTP client (one per simulated person), over fetch. */
export class Browser {
  readonly #cookies = new Map<string, string>();
  constructor(readonly port: number) {}

  async request(
    method: string,
    path: string,
    init: { form?: Record<string, string>; headers?: Record<string, string>; json?: unknown } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = `http://127.0.0.1:${this.port}`;
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const t0 = performance.now();
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      });
      for (const cookie of res.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const eq = pair!.indexOf('=');
        const [k, v] = [pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim()];
        if (v === '' || /max-age=0/i.test(cookie)) this.#cookies.delete(k);
        else this.#cookies.set(k, v);
      }
      const text = await res.text();
      const location = res.headers.get('location') ?? undefined;
      return {
        status: res.status,
        body: text,
        ms: performance.now() - t0,
        ...(location === undefined ? {} : { location }),
      };
    } catch {
      return { status: 0, body: '', ms: performance.now() - t0 };
    }
  }
}

/** The p-th percentile (0-100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `--name value` from the bench arguments. */
export function numberArg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}
