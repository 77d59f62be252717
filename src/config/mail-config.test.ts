import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

/** The e-mail settings (ADR 0188): off unless both are set; a bad value names its fix and never echoes a password it cannot parse. */
const dev = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: '/tmp/sanctuary-mail-config' };

describe('mail configuration', () => {
  it('is off by default, and on with an SMTP URL and a from address', () => {
    expect(parseConfig(dev).mail).toBeUndefined();
    expect(
      parseConfig({
        ...dev,
        SANCTUARY_SMTP_URL: 'smtps://u:p@mail.example.org:465',
        SANCTUARY_SMTP_FROM: 'a@example.org',
      }).mail,
    ).toEqual({ smtpUrl: 'smtps://u:p@mail.example.org:465', from: 'a@example.org', digestMinutes: 60 });
  });

  it.each([
    [{ SANCTUARY_SMTP_URL: 'https://mail.example.org' }, 'SANCTUARY_SMTP_URL must be smtps://'],
    [{ SANCTUARY_SMTP_URL: 'smtp://mail.example.org' }, 'SANCTUARY_SMTP_FROM is not'],
    [{ SANCTUARY_SMTP_FROM: 'a@example.org' }, 'SANCTUARY_SMTP_URL is not'],
    [
      {
        SANCTUARY_SMTP_URL: 'smtp://m.example.org',
        SANCTUARY_SMTP_FROM: 'a@example.org',
        SANCTUARY_MAIL_DIGEST_MINUTES: '1',
      },
      'must be at least 15',
    ],
  ])('refuses %j with the way to fix it', (env, message) => {
    expect(() => parseConfig({ ...dev, ...env })).toThrow(ConfigError);
    expect(() => parseConfig({ ...dev, ...env })).toThrow(message);
  });

  it('does not repeat a URL that may carry a password', () => {
    expect(() => parseConfig({ ...dev, SANCTUARY_SMTP_URL: 'ftp://user:hunter2@mail.example.org' })).toThrow(
      /^(?![\s\S]*hunter2)/,
    );
  });
});
