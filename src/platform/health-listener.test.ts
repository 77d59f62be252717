import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/app.ts';
import { freePort, seedDataDir, startServerProcess } from '../../test/support/process.ts';
import { rawExchange } from '../../test/support/socket.ts';
import { startHealthListener } from './health-listener.ts';

/** One request on a new connection; the status, headers and body the port answered. */
function ask(port: number, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the health-check port', () => {
  let t: TestApp;
  let health: Server;
  let port = 0;
  beforeAll(async () => {
    t = await buildTestApp();
    health = await startHealthListener({ app: t.app, host: '127.0.0.1', port: 0 });
    port = (health.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => health.close(r));
    await t.close();
  });

  it('answers /healthz and /readyz as the application does, and follows the seal', async () => {
    const alive = await ask(port, 'GET', '/healthz');
    expect(alive.status).toBe(200);
    expect(JSON.parse(alive.body)).toEqual({ status: 'ok' });
    expect(alive.headers['cache-control']).toBe('no-store');
    const ready = await ask(port, 'GET', '/readyz?probe=1');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
    t.ctx.vault.seal();
    const sealed = await ask(port, 'GET', '/readyz');
    expect(sealed.status).toBe(503);
    expect(JSON.parse(sealed.body)).toEqual({ status: 'sealed' });
    expect(sealed.headers['retry-after']).toBe('60');
    // Alive while sealed: liveness is not readiness.
    expect((await ask(port, 'GET', '/healthz')).status).toBe(200);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/staff'],
    ['GET', '/api/v1/submissions'],
    ['POST', '/healthz'],
    ['DELETE', '/readyz'],
    ['GET', '/healthz/../staff'],
    ['GET', '/%2e%2e/staff'],
    ['GET', '/HEALTHZ'],
    ['GET', '/metrics'], // only when the server hands it the metrics (below)
  ])('serves nothing else: %s %s is 404', async (method, path) => {
    const res = await ask(port, method, path);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ status: 'not_found' });
  });

  it('refuses an oversized request head and garbage without answering anything else', async () => {
    const big = await ask(port, 'GET', '/healthz', { 'x-filler': 'a'.repeat(20_000) });
    expect(big.status).toBe(431);
    const garbage = await rawExchange(port, '\x00\x01 not http at all\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(garbage).not.toContain('status');
  });
});

describe('sanctuary serve with SANCTUARY_HEALTH_PORT', () => {
  it('opens the health-check port on loopback beside the main one, and closes it on shutdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'health-'));
    // A migrated data directory from the run's template: this is not a test of the first start.
    await seedDataDir(dir);
    const healthPort = await freePort();
    const server = await startServerProcess({
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: dir,
      SANCTUARY_HEALTH_PORT: String(healthPort),
    });
    try {
      const alive = await ask(healthPort, 'GET', '/healthz');
      expect(alive.status).toBe(200);
      expect(JSON.parse(alive.body)).toEqual({ status: 'ok' });
      expect(server.output()).toContain('health-check port');
      const metrics = await ask(healthPort, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^sanctuary_sealed 0$/m);
      expect(metrics.body).toContain('process_resident_memory_bytes');
    } finally {
      expect(await server.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
    const refused = await ask(healthPort, 'GET', '/healthz').then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
  }, 120_000);
});
