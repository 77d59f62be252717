import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../test/support/app.ts';
import { intakeTestConfig } from '../../test/support/intake.ts';
import { rawExchange } from '../../test/support/socket.ts';
import { ConfigError, parseConfig } from '../config/config.ts';
import { startOnionListener } from './onion-listener.ts';

/**
 * Finding 7 of issue 12, from the attacker's side: behind the documented reverse proxy, a
 * client must not escape the per-client limits by writing its own X-Forwarded-For, and clients
 * forwarded by the proxy must not share one allowance (ADR 0089). Codename sign-in is the limit
 * used here: ten tries a minute per client (with 5 per client per minute configured).
 */
let t: TestApp;
let now = Date.now();

let port = 0;
let onion: Server;
/** The sign-in form's cookie and CSRF field, as a browser holds them after loading the page. */
let form = { cookie: '', csrf: '' };

beforeAll(async () => {
  t = await buildTestApp({
    clock: () => now,
    config: {
      trustProxy: true,
      trustedProxies: ['127.0.0.1', '10.0.0.0/8'],
      intake: intakeTestConfig({ perClientPerMinute: 5 }),
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
  onion = await startOnionListener({ http: t.app.server, host: '127.0.0.1', port: 0 });
  const page = await t.app.inject({ method: 'GET', url: '/inbox?lang=en' });
  const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  form = {
    cookie: cookies.map((c) => c.split(';')[0]).join('; '),
    csrf: encodeURIComponent(Client.csrfOf(page.body)),
  };
});
afterAll(async () => {
  await new Promise((r) => onion.close(r));
  await t.close();
});
beforeEach(() => {
  now += 3_600_000;
});

/** Twelve wrong codenames; the statuses, with the headers of each request from `headersOf(i)`. */
async function twelveWrongCodenames(
  remoteAddress: string,
  headersOf: (i: number) => Record<string, string>,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/inbox/sign-in?lang=en',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, ...headersOf(i) },
      payload: `_csrf=${form.csrf}&codename=%2B7%20900%20000-00-00%20ext.%20000000`,
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

const LIMITED = [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429, 429];

describe('per-client limits behind a reverse proxy (issue 12, finding 7)', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: a fresh one each time escapes nothing', async () => {
    const statuses = await twelveWrongCodenames('203.0.113.5', (i) => ({
      'x-forwarded-for': `198.18.0.${i}`,
    }));
    expect(statuses).toEqual(LIMITED);
  });

  it('gives clients forwarded by a trusted proxy their own allowance each', async () => {
    const first = await twelveWrongCodenames('127.0.0.1', () => ({ 'x-forwarded-for': '198.51.100.1' }));
    expect(first).toEqual(LIMITED);
    // Another client behind the same proxy is not affected by the first one's flood …
    const second = await twelveWrongCodenames('127.0.0.1', () => ({ 'x-forwarded-for': '198.51.100.2' }));
    expect(second).toEqual(LIMITED);
    // … and through a chain of trusted proxies, the client is the address before the chain.
    const chained = await twelveWrongCodenames('127.0.0.1', () => ({
      'x-forwarded-for': '198.51.100.3, 10.1.2.3',
    }));
    expect(chained).toEqual(LIMITED);
  });

  it('takes the right-most untrusted address: entries a client adds on the left escape nothing', async () => {
    // nginx with $proxy_add_x_forwarded_for appends the real address to what the client sent.
    const statuses = await twelveWrongCodenames('127.0.0.1', (i) => ({
      'x-forwarded-for': `198.18.1.${i}, 10.9.9.${i}, 198.51.100.4`,
    }));
    expect(statuses).toEqual(LIMITED);
  });

  /** Twelve wrong codenames on real connections to `to`, each opened by `prefix(i)`. */
  async function twelveOnSockets(
    to: number,
    prefix: (i: number) => string,
    forwardedFor: (i: number) => string,
  ) {
    const body = `_csrf=${form.csrf}&codename=%2B7%20900%20000-00-00%20ext.%20000000`;
    const statuses: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const answer = await rawExchange(
        to,
        `${prefix(i)}POST /inbox/sign-in?lang=en HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: ${forwardedFor(i)}\r\nCookie: ${form.cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        { until: (received) => received.includes('\r\n\r\n') },
      );
      statuses.push(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? answer.slice(0, 20));
    }
    return statuses;
  }

  it('holds on a real socket through the trusted proxy, and logs no address', async () => {
    const statuses = await twelveOnSockets(
      port,
      () => '',
      (i) => `198.18.2.${i}, 198.51.100.5`,
    );
    expect(statuses).toEqual(LIMITED.map(String));
    expect(t.logs()).not.toMatch(/198\.(18|51)\.\d+\.\d+|203\.0\.113/);
  });

  it('never believes X-Forwarded-For on the onion port, though Tor connects from a trusted 127.0.0.1', async () => {
    const onionPort = (onion.address() as AddressInfo).port;
    const circuit = 'PROXY TCP6 fc00:dead:beef:4dad::c:1 ::1 6 443\r\n';
    const statuses = await twelveOnSockets(
      onionPort,
      () => circuit,
      (i) => `198.18.3.${i}`,
    );
    expect(statuses).toEqual(LIMITED.map(String));
  });
});

describe('SANCTUARY_TRUSTED_PROXIES', () => {
  const env = { SANCTUARY_ENV: 'test', SANCTUARY_DATA_DIR: '/nonexistent' };
  it('accepts addresses and CIDR ranges, IPv4 and IPv6', () => {
    const config = parseConfig({ ...env, SANCTUARY_TRUSTED_PROXIES: ' 127.0.0.1, ::1,10.0.0.0/8 ,fd00::/8' });
    expect(config.trustedProxies).toEqual(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
    expect(parseConfig(env).trustedProxies).toEqual([]);
  });

  it.each(['localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/1', '1.2.3', '*'])(
    'refuses %s at start-up with a message that says what to write',
    (value) => {
      expect(() => parseConfig({ ...env, SANCTUARY_TRUSTED_PROXIES: value })).toThrow(ConfigError);
      expect(() => parseConfig({ ...env, SANCTUARY_TRUSTED_PROXIES: value })).toThrow(
        /e\.g\. 127\.0\.0\.1,::1/,
      );
    },
  );
});
