import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import { rawExchange } from '../../../test/support/socket.ts';
import { startHealthListener } from '../../platform/health-listener.ts';
import { startOnionListener } from '../../platform/onion-listener.ts';
import { issuePartnerToken } from '../intake/index.ts';

/**
 * Issue 17, item 5 (ADR 0111): Prometheus metrics on the loopback health port only, with no
 * personal data and no per-client label. The traffic below carries canaries in every place a
 * careless metric could pick them up (story, e-mail, forwarded address, user agent, path, query,
 * codename); the scrape must contain none of them, and every label must come from the allow-list.
 */
const CANARY = {
  name: 'Canaryslav Metrikov',
  email: 'canary.metrics@example.org',
  ip: '198.51.100.77',
  agent: 'CanaryAgent/7.7',
  path: '/canary-path-5f3a',
  query: 'canaryquery9',
};

/** Every label name a Sanctuary metric or a process metric may carry, and what its values may be. */
const LABELS: Record<string, RegExp> = {
  method: /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|OTHER)$/,
  route: /^(\(unmatched\)|\/[A-Za-z0-9/:_.*-]*)$/,
  status: /^[1-5]\d\d$/,
  state: /^(queued|running|done|failed|busy|idle|waiting|unacknowledged|acknowledged|silent)$/,
  le: /^([\d.e+-]+|\+Inf)$/,
  // prom-client's process metrics (collectProcessMetrics)
  space: /^[a-z_]+$/,
  kind: /^(major|minor|incremental|weakcb)$/,
  type: /^[A-Za-z]+$/,
  version: /^v\d+\.\d+\.\d+$/,
  major: /^\d+$/,
  minor: /^\d+$/,
  patch: /^\d+$/,
};

function get(port: number, path: string) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString('utf8');
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The samples of a text exposition: name, labels, value. */
function samplesOf(text: string) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (m === null) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
      );
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const value = (samples: ReturnType<typeof samplesOf>, name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('metrics on the health port', () => {
  let t: TestApp;
  let health: Server;
  let onion: Server;
  let healthPort = 0;
  let mainPort = 0;
  let onionPort = 0;
  let codename = '';
  let scrape = '';

  beforeAll(async () => {
    t = await buildTestApp({
      config: {
        trustedProxies: ['127.0.0.1'],
        intake: intakeTestConfig({ partnerPerMinute: 1 }),
      },
    });
    t.ctx.metrics.collectProcessMetrics();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    mainPort = (t.app.server.address() as AddressInfo).port;
    onion = await startOnionListener({ http: t.app.server, host: '127.0.0.1', port: 0 });
    onionPort = (onion.address() as AddressInfo).port;
    health = await startHealthListener({ app: t.app, host: '127.0.0.1', port: 0, metrics: t.ctx.metrics });
    healthPort = (health.address() as AddressInfo).port;

    // An applicant behind the proxy, with a canary address and user agent, files through the form
    // and signs in with the codename.
    const headers = { 'x-forwarded-for': CANARY.ip, 'user-agent': CANARY.agent };
    const c = new Client(t.app);
    const page = await c.get(`/?lang=en&q=${CANARY.query}`, headers);
    const filed = await c.post(
      '/submit?lang=en',
      { ...formFieldsOf(page.body), story: `${CANARY.name}, ${CANARY.email}` },
      headers,
    );
    codename = codenameOf(filed);
    expect((await signInApplicant(c, codename)).statusCode).toBe(303);
    await c.get(CANARY.path, headers);
    // A partner files one submission; its second in the minute is refused (429).
    const { token } = await issuePartnerToken(t.ctx, { kind: 'cli', id: 'cli' }, { label: 'Hotline' });
    const partner = (key: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/submissions',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key, ...headers },
        payload: { story: `${CANARY.name} writes from ${CANARY.email}`, needs: ['leave'] },
      });
    expect((await partner('metrics-1')).statusCode).toBe(201);
    expect((await partner('metrics-2')).statusCode).toBe(429);

    const scraped = await get(healthPort, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.type).toMatch(/^text\/plain; version=0\.0\.4/);
    scrape = scraped.body;
  });
  afterAll(async () => {
    await new Promise((r) => health.close(r));
    await new Promise((r) => onion.close(r));
    await t.close();
  });

  it('holds no personal data: no canary from the traffic appears in the scrape', () => {
    expect(scrape.length).toBeGreaterThan(1000);
    for (const canary of [...Object.values(CANARY), codename, 'Canaryslav', 'canary']) {
      expect(scrape.toLowerCase()).not.toContain(canary.toLowerCase());
    }
  });

  it('labels only from the allow-list, with values of the allowed shape', () => {
    const samples = samplesOf(scrape);
    expect(samples.length).toBeGreaterThan(50);
    for (const s of samples) {
      for (const [label, v] of Object.entries(s.labels)) {
        expect(Object.keys(LABELS), `${s.name} has label ${label}`).toContain(label);
        expect(v, `${s.name}{${label}="${v}"}`).toMatch(LABELS[label]!);
      }
    }
    // Routes are patterns that exist, never paths that were asked for.
    const routes = new Set(samples.flatMap((s) => (s.labels.route === undefined ? [] : [s.labels.route])));
    const known = new Set(t.app.routeTable.map((r) => r.url));
    for (const route of routes) if (route !== '(unmatched)') expect(known).toContain(route);
    expect(routes).toContain('(unmatched)');
  });

  it('counts requests by route pattern and status, and rate-limit refusals', () => {
    const samples = samplesOf(scrape);
    const count = (route: string, status: string, method = 'POST') =>
      value(samples, 'sanctuary_http_request_duration_seconds_count', { method, route, status });
    expect(count('/api/v1/submissions', '201')).toBe(1);
    expect(count('/api/v1/submissions', '429')).toBe(1);
    expect(count('/submit', '200')).toBe(1);
    expect(count('(unmatched)', '404', 'GET')).toBe(1);
    expect(value(samples, 'sanctuary_rate_limit_refusals_total', { route: '/api/v1/submissions' })).toBe(1);
  });

  it('reports the intake queue, the group commit, the seal and the jobs', async () => {
    const samples = samplesOf(scrape);
    expect(value(samples, 'sanctuary_intake_batch_size_count')).toBe(2);
    expect(value(samples, 'sanctuary_intake_batch_size_sum')).toBe(2);
    expect(value(samples, 'sanctuary_intake_batch_commit_seconds_count')).toBe(2);
    expect(value(samples, 'sanctuary_intake_queue_depth')).toBe(0);
    expect(value(samples, 'sanctuary_intake_queue_capacity')).toBe(t.config.intake.queueCapacity);
    expect(value(samples, 'sanctuary_intake_queue_refusals_total')).toBe(0);
    expect(value(samples, 'sanctuary_sealed')).toBe(0);
    const jobs = await t.ctx.database.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    expect(value(samples, 'sanctuary_jobs', { state: 'queued' })).toBe(Number(jobs.n));
    for (const state of ['running', 'done', 'failed']) {
      expect(value(samples, 'sanctuary_jobs', { state })).toBeTypeOf('number');
    }
    // The pool only on PostgreSQL.
    const pooled = value(samples, 'sanctuary_db_pool_max');
    expect(pooled === undefined).toBe(t.ctx.database.kind === 'pglite');
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('documents every Sanctuary metric in docs/OPERATIONS.md', () => {
    const ops = readFileSync(new URL('../../../docs/OPERATIONS.md', import.meta.url), 'utf8');
    const families = new Set([...scrape.matchAll(/^# TYPE (sanctuary_\w+) /gm)].map((m) => m[1]!));
    expect(families.size).toBeGreaterThanOrEqual(9); // 11 on PostgreSQL (the pool)
    for (const family of families) expect(ops, family).toContain(`| \`${family}\` |`);
  });

  it('follows the seal', async () => {
    t.ctx.vault.seal();
    const samples = samplesOf((await get(healthPort, '/metrics')).body);
    expect(value(samples, 'sanctuary_sealed')).toBe(1);
  });

  it('is not served by the public port nor the onion port (404)', async () => {
    const main = await get(mainPort, '/metrics');
    expect(main.status).toBe(404);
    expect(main.body).not.toContain('sanctuary_');
    const viaTor = await rawExchange(
      onionPort,
      'PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 6 443\r\nGET /metrics HTTP/1.1\r\nHost: x.onion\r\nConnection: close\r\n\r\n',
    );
    expect(viaTor).toMatch(/^HTTP\/1\.1 404/);
    expect(viaTor).not.toContain('sanctuary_');
  });
});
