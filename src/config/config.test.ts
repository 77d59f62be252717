import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('config', () => {
  it('has working defaults for the two-command quick start', () => {
    const config = parseConfig({});
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
    expect(parseConfig({}).pathwaysPackKeys).toEqual([]);
    const a = 'a'.repeat(64);
    const b = '0b'.repeat(32);
    expect(parseConfig({ SANCTUARY_PATHWAYS_PACK_KEYS: ` ${a}, ${b},${a}` }).pathwaysPackKeys).toEqual([
      a,
      b,
    ]);
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
});
