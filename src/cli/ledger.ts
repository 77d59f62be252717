import type { Config } from '../config/config.ts';
import type { LedgerVerification } from '../modules/ledger/index.ts';
import { adminErrorText } from './admin-client.ts';
import { readWitnesses } from './audit.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail } from './shared.ts';

/**
 * `sanctuary ledger verify` (DESIGN.md §4): exit 0 when the ledger's chain, double entry,
 * balances and limits all hold; non-zero (2) naming the first problem. Through the running
 * server's admin socket when it runs, else directly on the database (sealed is fine: the
 * ledger's checks need no key).
 */
async function verify(config: Config, witnessPaths: readonly string[], json: boolean): Promise<number> {
  const extra = await readWitnesses(witnessPaths);
  let result: LedgerVerification & { pinned: boolean };
  if (await serverIsRunning(config)) {
    const res = await callAdmin<LedgerVerification & { pinned: boolean }>(
      config.adminSocket,
      'POST',
      '/ledger/verify',
      {
        checkpoints: extra,
      },
    );
    if (res.status !== 200) return fail(adminErrorText(res.body));
    result = res.body;
  } else {
    const { verifyLedgerFor } = await import('../modules/admin/index.ts');
    result = await withDirectContext({ ...config, devAutoUnseal: false }, (ctx) =>
      verifyLedgerFor(ctx, extra),
    );
  }
  // --json: the whole result, whatever it says; the exit code is the same as without.
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok) {
    if (!json) process.stdout.write(`Ledger BROKEN: ${result.problem}\n`);
    return EXIT.refused;
  }
  if (!result.pinned && config.env === 'production' && result.checkpointsChecked > 0) {
    process.stderr.write(
      'WARNING: the audit key is not pinned (SANCTUARY_AUDIT_KEY_FINGERPRINT), so the ledger checkpoints prove less: see docs/OPERATIONS.md.\n',
    );
  }
  if (!json)
    process.stdout.write(
      `Ledger intact: ${result.entries} entries (${result.events} events), ${result.transfers} transfers, ${result.accounts} accounts; debits equal credits; ${result.checkpointsChecked} signed checkpoints matched.\n`,
    );
  return 0;
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const parsed = call;
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  const witnesses = Array.isArray(parsed.values.witness) ? parsed.values.witness.map(String) : [];
  try {
    return await verify(config, witnesses, call.values.json === true);
  } catch (error) {
    return explain(error);
  }
}
