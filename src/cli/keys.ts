import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { initShamirKeys } from '../modules/keys/keys.service.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning } from './direct.ts';
import { configOrExit, EXIT, explain, fail, parseOptions } from './shared.ts';

export const summary = 'create (init) or replace (rotate) the root key, split into Shamir shares';

const USAGE = 'sanctuary keys init --shares N --threshold K | sanctuary keys rotate --shares N --threshold K';

function printShares(keyId: string, shares: string[], threshold: number): void {
  const lines = [
    `Root key ${keyId} created. It is split into ${shares.length} shares; any ${threshold} of them unseal the server.`,
    'Give each share to a different key holder NOW. They are shown once and stored nowhere.',
    'Keep them offline (paper, or a password manager the server cannot reach).',
    '',
    ...shares.map((s, i) => `share ${i + 1}: ${s}`),
    '',
    'To unseal after each start, each key holder runs on the server: sanctuary unseal  (and pastes the share)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseOptions(args, { shares: { type: 'string' }, threshold: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [sub] = parsed.positionals;
  const shares = Number(parsed.values.shares);
  const threshold = Number(parsed.values.threshold);
  if ((sub !== 'init' && sub !== 'rotate') || !Number.isInteger(shares) || !Number.isInteger(threshold)) {
    return fail(`usage: ${USAGE}`, EXIT.usage);
  }
  if (threshold < 2 || shares < threshold || shares > 20) {
    return fail('need 2 <= --threshold <= --shares <= 20 (for example --shares 5 --threshold 3)', EXIT.usage);
  }
  const config = configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (sub === 'rotate') {
      if (!(await serverIsRunning(config)))
        return fail(
          'rotation needs the running, unsealed server: start it and unseal first',
          EXIT.unavailable,
        );
      const res = await callAdmin<{ keyId: string; shares: string[]; rewrapped: number }>(
        config.adminSocket,
        'POST',
        '/keys/rotate',
        {
          shares,
          threshold,
        },
      );
      if (res.status !== 200) return fail(adminErrorText(res.body));
      printShares(res.body.keyId, res.body.shares, threshold);
      process.stdout.write(
        `${res.body.rewrapped} data keys were re-wrapped. The old shares no longer work.\n`,
      );
      return 0;
    }
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
    });
    try {
      await migrateToLatest(database.db);
      const result = await initShamirKeys(database.db, { shares, threshold });
      printShares(result.keyId, result.shares, threshold);
      process.stdout.write(
        [
          '',
          `Audit key fingerprint: ${result.auditKeyFingerprint}`,
          "Write it down with the organisation's records (not on this server) and set it in the configuration:",
          `  SANCTUARY_AUDIT_KEY_FINGERPRINT=${result.auditKeyFingerprint}`,
          '"sanctuary audit verify" then refuses any checkpoint signed with another key.',
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      await database.close();
    }
  } catch (error) {
    return explain(error);
  }
}
