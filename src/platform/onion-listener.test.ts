import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/app.ts';
import { formFieldsOf, intakeTestConfig } from '../../test/support/intake.ts';
import { freePort, seedDataDir, startServerProcess } from '../../test/support/process.ts';
import { rawExchange } from '../../test/support/socket.ts';
import { circuitOfProxyLine, startOnionListener } from './onion-listener.ts';

describe('PROXY protocol lines from Tor (HiddenServiceExportCircuitID haproxy)', () => {
  it.each([
    ['PROXY TCP6 fc00:dead:beef:4dad::0:1f2e ::1 6 443\r\n', '00001f2e'],
    ['PROXY TCP6 fc00:dead:beef:4dad::ab:cd ::1 6 443\r\n', '00ab00cd'],
    ['PROXY TCP6 fc00:dead:beef:4dad:0:0:FFFF:1 ::1 65535 80\r\n', 'ffff0001'],
  ])('reads the circuit of %j', (line, circuit) => {
    expect(circuitOfProxyLine(line)).toBe(circuit);
  });

  it.each([
    ['TCP4 (Tor always sends TCP6)', 'PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\n'],
    ['UNKNOWN', 'PROXY UNKNOWN\r\n'],
    ['no PROXY line', 'GET / HTTP/1.1\r\n'],
    ['an injected header', 'PROXY TCP6 fc00::1\r\nX-Forwarded-For: 1.2.3.4 ::1 1 2\r\n'],
    ['an IPv4 tail', 'PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n'],
    ['garbage', 'PROXY TCP6 zz::1 ::1 1 2\r\n'],
    ['empty', ''],
  ])('refuses %s', (_name, line) => {
    expect(circuitOfProxyLine(line)).toBeUndefined();
  });
});

describe('the onion-service port', () => {
  let t: TestApp;
  let onion: Server;
  let port = 0;
  beforeAll(async () => {
    // One no-JavaScript submission per client per minute; plenty for everybody together.
    t = await buildTestApp({
      config: { intake: intakeTestConfig({ perClientPerMinute: 1, noJsPerMinute: 1_000 }) },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    onion = await startOnionListener({ http: t.app.server, host: '127.0.0.1', port: 0 });
    port = (onion.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => onion.close(r));
    await t.close();
  });

  /** Sends raw bytes on a new connection and returns everything the server answered. */
  const exchange = (bytes: string) => rawExchange(port, bytes);
  const proxyLine = (circuit: string) => `PROXY TCP6 fc00:dead:beef:4dad::${circuit} ::1 6 443\r\n`;
  const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

  const submit = async (circuit: string) => {
    const fields = formFieldsOf((await t.app.inject('/?lang=en')).body);
    const body = new URLSearchParams({ ...fields, story: `from circuit ${circuit}` }).toString();
    return status(
      await exchange(
        `${proxyLine(circuit)}POST /submit?lang=en HTTP/1.1\r\nHost: example.onion\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      ),
    );
  };

  it('serves the app to a connection that starts with a PROXY line', async () => {
    const res = await exchange(
      `${proxyLine('1:1')}GET /?lang=en HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    // The applicant landing page (the health paths do not exist on this port: issue 12, finding 13).
    expect(status(res)).toBe(200);
    expect(res).toContain('<html');
  });

  it('closes a connection without one, or with a bad one, answering nothing', async () => {
    const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    expect(await exchange(request)).toBe('');
    expect(await exchange(`PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n${request}`)).toBe('');
    expect(await exchange(`PROXY TCP6 ${'f'.repeat(200)}\r\n${request}`)).toBe('');
  });

  it('gives each Tor circuit its own allowance: one flooding circuit does not lock out another', async () => {
    expect(await submit('a:1')).toBe(200);
    expect(await submit('a:1')).toBe(503);
    expect(await submit('a:1')).toBe(503);
    // Another circuit (another Tor user) still gets through, and then meets its own limit.
    expect(await submit('b:2')).toBe(200);
    expect(await submit('b:2')).toBe(503);
  });
});

describe('sanctuary serve with SANCTUARY_ONION_PORT', () => {
  it('opens the onion-service port on loopback beside the main one, and closes it on shutdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onion-'));
    // A migrated data directory from the run's template: this is not a test of the first start.
    await seedDataDir(dir);
    const onionPort = await freePort();
    const server = await startServerProcess({
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: dir,
      SANCTUARY_ONION_PORT: String(onionPort),
    });
    try {
      const answer = await rawExchange(
        onionPort,
        'PROXY TCP6 fc00:dead:beef:4dad::7:7 ::1 6 80\r\nGET /?lang=en HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(server.output()).toContain('onion-service port');
    } finally {
      expect(await server.stop()).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
    // Closed with the server.
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(onionPort, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 120_000);
});
