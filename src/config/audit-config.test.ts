import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('audit config (ADR 0085)', () => {
  it('pins nothing and calls no witness by default', () => {
    expect(parseConfig({ SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: '/srv/sanctuary' }).audit).toEqual(
      {
        keyFingerprints: [],
        witnessFile: undefined,
        witnessUrl: undefined,
        witnessToken: undefined,
        witnessPeers: [],
      },
    );
  });

  it('takes the fingerprint as keys init printed it or as an operator typed it, and several at once', () => {
    const audit = parseConfig({
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: '/srv/sanctuary',
      SANCTUARY_AUDIT_KEY_FINGERPRINT:
        '1A2B:3C4D:5E6F:7081:92A3:B4C5:D6E7:F809, 0000-1111-2222-3333-4444-5555-6666-7777',
      SANCTUARY_AUDIT_WITNESS_FILE: '/mnt/witness/sanctuary.jsonl',
      SANCTUARY_AUDIT_WITNESS_URL: 'https://witness.internal.example.org/checkpoints',
    }).audit;
    expect(audit.keyFingerprints).toEqual([
      '1a2b-3c4d-5e6f-7081-92a3-b4c5-d6e7-f809',
      '0000-1111-2222-3333-4444-5555-6666-7777',
    ]);
    expect(audit.witnessFile).toBe('/mnt/witness/sanctuary.jsonl');
  });

  it('takes the silence window in minutes (ADR 0213)', () => {
    const audit = parseConfig({
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: '/srv/sanctuary',
      SANCTUARY_WITNESS_SILENCE_MINUTES: '90',
    }).audit;
    expect(audit.witnessSilenceMinutes).toBe(90);
  });

  it.each([
    [
      { SANCTUARY_AUDIT_KEY_FINGERPRINT: '1a2b-3c4d' },
      'SANCTUARY_AUDIT_KEY_FINGERPRINT must be the fingerprint printed by "sanctuary keys init"',
    ],
    [{ SANCTUARY_AUDIT_WITNESS_URL: 'ftp://witness' }, 'SANCTUARY_AUDIT_WITNESS_URL must be an http(s) URL'],
    [
      { SANCTUARY_AUDIT_WITNESS_TOKEN: 'short' },
      'SANCTUARY_AUDIT_WITNESS_TOKEN must be 16-512 token characters',
    ],
    [
      { SANCTUARY_AUDIT_WITNESS_FILE: '/srv/sanctuary/audit/witness.jsonl' },
      'SANCTUARY_AUDIT_WITNESS_FILE must be outside the data directory /srv/sanctuary',
    ],
    [
      { SANCTUARY_WITNESS_SILENCE_MINUTES: '5' },
      'SANCTUARY_WITNESS_SILENCE_MINUTES must be at least 15 minutes',
    ],
    [
      { SANCTUARY_WITNESS_SILENCE_MINUTES: '1.5' },
      'SANCTUARY_WITNESS_SILENCE_MINUTES must be a whole number',
    ],
  ])('refuses %o, saying how to fix it', (env, message) => {
    const parse = () =>
      parseConfig({ SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: '/srv/sanctuary', ...env });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});
