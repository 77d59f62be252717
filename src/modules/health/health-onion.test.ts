import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { rawExchange } from '../../../test/support/socket.ts';
import { startOnionListener } from '../../platform/onion-listener.ts';

/**
 * Issue 12, finding 13: Tor forwards whole streams to the onion port, so the onion service
 * cannot hide /readyz by configuration; a visitor could learn whether the server is sealed and
 * time a seizure. Through the onion port the health paths do not exist; on the main port (the
 * DESIGN.md §4 contract) and the loopback health port they answer as before.
 */
describe('health endpoints through the onion service', () => {
  let t: TestApp;
  let onion: Server;
  let onionPort = 0;
  let mainPort = 0;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    mainPort = (t.app.server.address() as AddressInfo).port;
    onion = await startOnionListener({ http: t.app.server, host: '127.0.0.1', port: 0 });
    onionPort = (onion.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => onion.close(r));
    await t.close();
  });

  const get = (port: number, path: string, proxy = '') =>
    rawExchange(port, `${proxy}GET ${path} HTTP/1.1\r\nHost: x.onion\r\nConnection: close\r\n\r\n`);
  const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
  const PROXY = 'PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 6 443\r\n';

  it.each(['/readyz', '/healthz'])(
    'answers 404 for %s through the onion port, and never says "sealed"',
    async (path) => {
      t.ctx.vault.seal();
      const res = await get(onionPort, path, PROXY);
      expect(status(res)).toBe(404);
      expect(res).not.toContain('sealed');
      expect(res).not.toContain('"ok"');
    },
  );

  it('keeps the contract on the main port', async () => {
    expect(status(await get(mainPort, '/healthz'))).toBe(200);
    const ready = await get(mainPort, '/readyz');
    expect(status(ready)).toBe(503);
    expect(ready).toContain('{"status":"sealed"}');
  });
});
