import type { Config } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { initShamirKeys } from '../modules/keys/index.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail } from './shared.ts';

const USAGE =
  'sanctuary keys init --shares N --threshold K | sanctuary keys rotate [--shares N --threshold K]';
const COUNTS = 'need 2 <= --threshold <= --shares <= 20 (for example --shares 5 --threshold 3)';

interface Rotated {
  keyId: string;
  shares: string[];
  threshold: number;
  rewrapped: number;
}

function printShares(keyId: string, shares: string[], threshold: number, verb: string): void {
  const lines = [
    `Root key ${keyId} ${verb}. It is split into ${shares.length} shares; any ${threshold} of them unseal the server.`,
    'Give each share to a different key holder NOW. They are shown once and stored nowhere.',
    'Keep them offline (paper, or a password manager the server cannot reach).',
    '',
    ...shares.map((s, i) => `share ${i + 1}: ${s}`),
    '',
    'To unseal after each start, each key holder runs on the server: sanctuary unseal  (and pastes the share)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A count option: undefined when absent, NaN when not a whole number. */
function count(value: CliCall['values'][string]): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const sub = call.path[1];
  const shares = count(call.values.shares);
  const threshold = count(call.values.threshold);
  // init needs both counts; rotate takes both or neither (then the current key's n and k).
  if (
    sub === 'init'
      ? shares === undefined || threshold === undefined
      : (shares === undefined) !== (threshold === undefined)
  ) {
    return fail(`usage: ${USAGE}`, EXIT.usage);
  }
  if (
    shares !== undefined &&
    threshold !== undefined &&
    !(threshold >= 2 && shares >= threshold && shares <= 20)
  ) {
    return fail(COUNTS, EXIT.usage);
  }
  const config = await configOrExit({ creates: sub === 'init' });
  if (typeof config === 'number') return config;
  try {
    if (sub === 'rotate')
      return await rotate(
        config,
        shares,
        threshold,
        typeof call.values.request === 'string' ? call.values.request : undefined,
      );
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
    });
    try {
      await migrateToLatest(database.db);
      const result = await initShamirKeys(database.db, { shares: shares!, threshold: threshold! });
      printShares(result.keyId, result.shares, threshold!, 'created');
      process.stdout.write(
        `Stored in ${config.databaseUrl === undefined ? `the data directory ${config.dataDir}` : 'the database of DATABASE_URL'} (its verifier only).\n`,
      );
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

/**
 * `keys rotate` runs in the server that holds the unsealed key (over the admin socket), which
 * switches to the new key at once; in development with no server running, in-process.
 */
async function rotate(
  config: Config,
  shares: number | undefined,
  threshold: number | undefined,
  request: string | undefined,
): Promise<number> {
  let result: Rotated;
  if (await serverIsRunning(config)) {
    const res = await callAdmin<Rotated>(config.adminSocket, 'POST', '/keys/rotate', {
      shares,
      threshold,
      request,
    });
    if (res.status === 400) return fail(adminErrorText(res.body), EXIT.data);
    // No approved request from a second administrator (ADR 0177): refused, nothing changed.
    if (res.status === 409) return fail(adminErrorText(res.body), EXIT.refused);
    if (res.status === 503)
      return fail('the server is sealed: unseal it with the current shares first', EXIT.unavailable);
    if (res.status !== 200) return fail(adminErrorText(res.body));
    result = res.body;
  } else if (config.devAutoUnseal) {
    const { rotateWithApproval } = await import('../modules/admin/index.ts');
    result = await withDirectContext(config, (ctx) =>
      rotateWithApproval(ctx, { kind: 'cli', id: 'cli' }, { shares, threshold, request }),
    );
  } else {
    return fail(
      'rotation needs the running, unsealed server: start it and unseal it first',
      EXIT.unavailable,
    );
  }
  if (result.shares.length > 0) {
    printShares(result.keyId, result.shares, result.threshold, 'replaces the old key');
    process.stdout.write(
      `${result.rewrapped} data keys were re-wrapped. The old shares no longer work: destroy them.\n` +
        'Sign-in, codenames and search are unchanged. Other server processes seal themselves; unseal them with the new shares.\n',
    );
  } else {
    process.stdout.write(
      `Development key rotated to ${result.keyId} (the key file was replaced); ${result.rewrapped} data keys were re-wrapped.\n`,
    );
  }
  return 0;
}
