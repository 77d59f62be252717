import { generateIdentity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

const dev = { SANCTUARY_ENV: 'development' };

describe('backup config', () => {
  it('takes age recipients, several for several custodians, and none by default', async () => {
    const a = await identityToRecipient(await generateIdentity());
    const b = await identityToRecipient(await generateIdentity());
    expect(parseConfig(dev).backupRecipients).toEqual([]);
    expect(
      parseConfig({ ...dev, SANCTUARY_BACKUP_RECIPIENTS: ` ${a} , ${b},${a}` }).backupRecipients,
    ).toEqual([a, b]);
  });

  it.each([
    ['not-a-key'],
    ['age1qqqq'],
    // One character changed: the bech32 checksum catches the typo at start-up.
    ['age1448ggru42mhclpc47uwjsalp8rm5f5hzh9yv30mx4l6urskdkf4sjf99yq'],
    ['AGE-SECRET-KEY-1KPCFXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'],
    [','],
  ])('fails fast, saying what a recipient looks like, for %s', (value) => {
    expect(() => parseConfig({ ...dev, SANCTUARY_BACKUP_RECIPIENTS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...dev, SANCTUARY_BACKUP_RECIPIENTS: value })).toThrow(
      'SANCTUARY_BACKUP_RECIPIENTS must be age public keys',
    );
  });
});
