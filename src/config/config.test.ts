import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../db/database-url.ts';
import { ConfigError, parseConfig } from './config.ts';

describe('config', () => {
  it('has working defaults for the two-command quick start (npm start sets development)', () => {
    const config = parseConfig({ SANCTUARY_ENV: 'development' });
    expect(config).toMatchObject({
      env: 'development',
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      devAutoUnseal: true,
    });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.session)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a number'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535'],
    [{ SANCTUARY_ENV: 'staging' }, 'SANCTUARY_ENV must be "development" or "production"'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres://'],
    [{ SANCTUARY_TRUST_PROXY: 'yes' }, 'SANCTUARY_TRUST_PROXY must be "true" or "false"'],
    [{ SANCTUARY_ONION_PORT: '0' }, 'SANCTUARY_ONION_PORT must be between 1 and 65535'],
    [{ SANCTUARY_ONION_PORT: 'tor' }, 'SANCTUARY_ONION_PORT must be a number'],
    [{ SANCTUARY_HEALTH_PORT: '0' }, 'SANCTUARY_HEALTH_PORT must be between 1 and 65535'],
    [{ SANCTUARY_HEALTH_PORT: '99999' }, 'SANCTUARY_HEALTH_PORT must be between'],
    [{ SANCTUARY_HEALTH_PORT: '80; rm -rf /' }, 'SANCTUARY_HEALTH_PORT must be a number'],
    [{ SANCTUARY_ENV: 'production' }, 'SANCTUARY_PUBLIC_URL must be set in production'],
    [
      {},
      'SANCTUARY_ENV is not set, so this is production. To try Sanctuary on this machine, run `npm start`',
    ],
    [{ SANCTUARY_PATHWAYS_PACK_KEYS: 'abc' }, 'SANCTUARY_PATHWAYS_PACK_KEYS must be a comma-separated list'],
    [
      { SANCTUARY_PATHWAYS_PACK_KEYS: `${'a'.repeat(64)};${'b'.repeat(64)}` },
      'sanctuary pathways pack keygen',
    ],
    [{ SANCTUARY_PATHWAYS_PACK_KEYS: 'A'.repeat(64) }, '64 lower-case hex characters'],
  ])('fails fast with an actionable message for %o', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('lists every problem at once', () => {
    try {
      parseConfig({ PORT: 'x', SANCTUARY_LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain('PORT');
      expect(String(error)).toContain('SANCTUARY_LOG_LEVEL');
    }
  });

  it('trusts the listed content-pack keys (several for rotation), and none by default', () => {
    const dev = { SANCTUARY_ENV: 'development' };
    expect(parseConfig(dev).pathwaysPackKeys).toEqual([]);
    const a = 'a'.repeat(64);
    const b = '0b'.repeat(32);
    expect(
      parseConfig({ ...dev, SANCTUARY_PATHWAYS_PACK_KEYS: ` ${a}, ${b},${a}` }).pathwaysPackKeys,
    ).toEqual([a, b]);
  });

  it('accepts a list of PostgreSQL hosts (primary and standby) and refuses a list it cannot use', () => {
    const prod = { SANCTUARY_ENV: 'production', SANCTUARY_PUBLIC_URL: 'https://help.example.org' };
    const url =
      'postgres://app:pw@db1:5432,[::1]:5433,db3/sanctuary?target_session_attrs=read-write&sslmode=require';
    expect(parseConfig({ ...prod, DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(parseDatabaseUrl(url)).toEqual({
      hostUrls: [
        'postgres://app:pw@db1:5432/sanctuary?sslmode=require',
        'postgres://app:pw@[::1]:5433/sanctuary?sslmode=require',
        'postgres://app:pw@db3/sanctuary?sslmode=require',
      ],
      hostLabels: ['db1:5432', '[::1]:5433', 'db3:5432'],
    });
    expect(parseConfig(prod).databaseRetrySeconds).toBe(30);
    for (const [bad, message] of [
      [
        'postgres://u@db1,db2/s?target_session_attrs=read-only',
        'target_session_attrs=read-only is not supported',
      ],
      ['postgres://u@db1,,db2/s', 'empty host'],
      ['postgres://u@db1:5432,db1/s', 'the same host twice'],
      ['postgres://u@db1:99999/s', 'port outside'],
    ] as const) {
      expect(() => parseConfig({ ...prod, DATABASE_URL: bad })).toThrow('DATABASE_URL');
      expect(() => parseConfig({ ...prod, DATABASE_URL: bad })).toThrow(message);
    }
  });

  it('never auto-unseals in production', () => {
    const config = parseConfig({
      SANCTUARY_ENV: 'production',
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      SANCTUARY_DEV_AUTO_UNSEAL: 'true',
    });
    expect(config.devAutoUnseal).toBe(false);
    expect(config.publicUrl).toBe('https://help.example.org');
  });

  // Issue 12, finding 4: a production-looking configuration without SANCTUARY_ENV used to run
  // in development mode and unseal itself from data/keys/root.key.
  it('is production when SANCTUARY_ENV is missing: sealed, never a key file', () => {
    const config = parseConfig({
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      DATABASE_URL: 'postgres://sanctuary@db/sanctuary',
      SANCTUARY_TRUST_PROXY: 'true',
      HOST: '0.0.0.0',
    });
    expect(config.env).toBe('production');
    expect(config.devAutoUnseal).toBe(false);
    expect(parseConfig({ SANCTUARY_PUBLIC_URL: 'https://help.example.org' }).devAutoUnseal).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: 'postgres://sanctuary@db/sanctuary' }, 'DATABASE_URL is set'],
    [{ SANCTUARY_TRUST_PROXY: 'true' }, 'SANCTUARY_TRUST_PROXY=true'],
    [{ HOST: '0.0.0.0' }, 'HOST=0.0.0.0 is not a loopback address'],
    [{ HOST: '192.0.2.10' }, 'HOST=192.0.2.10 is not a loopback address'],
    [{ HOST: '::' }, 'HOST=:: is not a loopback address'],
    [{ HOST: 'help.example.org' }, 'is not a loopback address'],
  ])('refuses development mode (auto-unseal) with %o, saying what to do', (extra, reason) => {
    for (const mode of ['development', 'test']) {
      const attempt = () => parseConfig({ SANCTUARY_ENV: mode, ...extra });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(`SANCTUARY_ENV=${mode} unseals the server with a key file on disk`);
      expect(attempt).toThrow(reason);
      expect(attempt).toThrow('set SANCTUARY_ENV=production');
    }
  });

  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])(
    'allows development mode on the loopback host %s',
    (host) => {
      expect(parseConfig({ SANCTUARY_ENV: 'development', HOST: host }).devAutoUnseal).toBe(true);
    },
  );
});
