import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { buildConfig, type Config } from '../../src/config/config.ts';
import type { AppContext } from '../../src/context.ts';
import { totpCode } from '../../src/crypto/index.ts';
import type { StaffRoleName } from '../../src/db/types.ts';
import { completeEnrolment, createStaff, startEnrolment } from '../../src/modules/auth/staff.service.ts';
import { createLogger } from '../../src/platform/logging.ts';
import type { Clock } from '../../src/platform/rate-limit.ts';
import { testDb } from './db.ts';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  config: Config;
  dataDir: string;
  /** Everything the app logged, for log-content assertions. */
  logs: () => string;
  close(): Promise<void>;
}

/**
 * The real application on a real, fresh database, unsealed with a development key file
 * in a temporary data directory (pass `sealed: true` to keep it sealed).
 */
export async function buildTestApp(
  options: { sealed?: boolean; config?: Partial<Config>; clock?: Clock } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-test-'));
  const database = await testDb();
  const config = buildConfig({
    dataDir,
    devAutoUnseal: options.sealed !== true,
    logLevel: 'info',
    signInPerMinute: 10_000,
    signInPerSourcePerMinute: 10_000,
    enrolPerMinute: 10_000,
    ...options.config,
  });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const app = await buildApp(config, {
    database,
    logger: createLogger('info', sink),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    app,
    ctx: app.sanctuary,
    config,
    dataDir,
    logs: () => chunks.join(''),
    async close() {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestStaff {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  role: StaffRoleName;
}

let counter = 0;

/** Creates and enrols a staff member through the real services. */
export async function buildStaff(ctx: AppContext, role: StaffRoleName, email?: string): Promise<TestStaff> {
  counter += 1;
  const address = email ?? `staff${counter}.${role}@example.org`;
  const created = await createStaff(ctx, { kind: 'cli', id: 'cli' }, { email: address, role });
  const token = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
  const view = await startEnrolment(ctx, token);
  const password = `correct horse battery ${counter}`;
  await completeEnrolment(ctx, token, {
    password,
    passwordRepeat: password,
    totp: totpCode(view.totpSecret),
  });
  return { id: created.staffId, email: address.toLowerCase(), password, totpSecret: view.totpSecret, role };
}

/** A cookie-keeping client over app.inject, connecting from `remoteAddress` (loopback by default). */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly app: FastifyInstance,
    readonly remoteAddress = '127.0.0.1',
  ) {}

  #remember(res: LightMyRequestResponse): void {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = c.value === '' || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.remoteAddress,
      headers: { cookie: this.cookieHeader, ...headers },
    });
    this.#remember(res);
    return res;
  }

  async post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.remoteAddress,
      headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });
    this.#remember(res);
    return res;
  }

  /** The CSRF token of the form on a page. */
  static csrfOf(html: string): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (match?.[1] === undefined) throw new Error('no CSRF field on the page');
    return match[1];
  }
}

/**
 * Signs a staff member in over HTTP with the code of the next time step (the current one
 * was used at enrolment). Signing the same member in again within 30 s would be a replay,
 * so the test rewinds the last used step, as the passing of time would.
 */
export async function signInClient(
  app: FastifyInstance,
  staff: TestStaff,
  totpOffsetMs = 30_000,
  remoteAddress = '127.0.0.1',
): Promise<Client> {
  await app.sanctuary.database.db
    .updateTable('staff')
    .set({ totp_last_step: 0 })
    .where('id', '=', staff.id)
    .execute();
  const client = new Client(app, remoteAddress);
  const page = await client.get('/staff/login');
  const res = await client.post('/staff/login', {
    _csrf: Client.csrfOf(page.body),
    email: staff.email,
    password: staff.password,
    totp: totpCode(staff.totpSecret, Date.now() + totpOffsetMs),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed with ${res.statusCode}`);
  return client;
}

/** A signed-in client for a new staff member of `role`. */
export async function loginAs(
  t: TestApp,
  role: StaffRoleName,
): Promise<{ client: Client; staff: TestStaff }> {
  const staff = await buildStaff(t.ctx, role);
  return { client: await signInClient(t.app, staff), staff };
}

/** Searches cases the way the staff form does: a POST with the page's CSRF field (issue 12, finding 14). */
export async function searchCases(client: Client, q: string, lang = 'en'): Promise<LightMyRequestResponse> {
  const page = await client.get(`/staff/cases/search?lang=${lang}`);
  return client.post(`/staff/cases/search?lang=${lang}`, { _csrf: Client.csrfOf(page.body), q });
}
