import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import {
  type AuditCheckpoint,
  type AuditVerification,
  appendCheckpointFile,
  readCheckpointFile,
} from '../modules/audit/index.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output } from './shared.ts';

const USAGE =
  'sanctuary audit verify [--witness FILE]... | sanctuary audit checkpoint [--out FILE] | sanctuary audit fingerprint';

/** Witness checkpoints sent over the admin socket at most (the newest; any one vouches for all before it). */
const MAX_SENT_CHECKPOINTS = 2000;

const UNPINNED =
  'WARNING: the audit key is not pinned (SANCTUARY_AUDIT_KEY_FINGERPRINT is not set and no unsealed server vouched for it).\n' +
  'A checkpoint signed with ANY key is accepted, so an intruder with the database and the data directory can rewrite\n' +
  'the log and still pass. Set SANCTUARY_AUDIT_KEY_FINGERPRINT to the fingerprint "sanctuary keys init" printed\n' +
  '(or that "sanctuary audit fingerprint" shows on the unsealed server), and keep a witness copy (docs/OPERATIONS.md).\n';

/** Checkpoints from witness copies (JSON Lines); a missing file is an error. `ledger verify` reads them too. */
export async function readWitnesses(paths: readonly string[]): Promise<AuditCheckpoint[]> {
  const all: AuditCheckpoint[] = [];
  for (const path of paths) {
    await readFile(path); // a missing witness file is an error, not an empty list
    all.push(...(await readCheckpointFile(path)));
  }
  return all;
}

async function verify(config: Config, witnessPaths: readonly string[], json: boolean): Promise<number> {
  const extra = await readWitnesses(witnessPaths);
  let result: AuditVerification & { pinned: boolean; countersigned?: number; forks?: string[] };
  if (await serverIsRunning(config)) {
    const newest = [...extra].sort((a, b) => b.seq - a.seq).slice(0, MAX_SENT_CHECKPOINTS);
    const res = await callAdmin<typeof result>(config.adminSocket, 'POST', '/audit/verify', {
      checkpoints: newest,
    });
    if (res.status !== 200) return fail(adminErrorText(res.body));
    result = res.body;
  } else {
    const direct = { ...config, devAutoUnseal: false };
    const { verifyAudit } = await import('../modules/admin/index.ts');
    result = await withDirectContext(direct, (ctx) => verifyAudit(ctx, extra));
  }
  if (!result.pinned) process.stderr.write(UNPINNED);
  // --json: the whole result, whatever it says; the exit code is the same as without.
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok) {
    if (!json) {
      // A fork is named first, each one: two signed heads for one entry (ADR 0175).
      for (const fork of result.forks ?? []) process.stdout.write(`${fork}\n`);
      process.stdout.write(
        `Audit chain BROKEN at entry ${result.firstBad?.seq}: ${result.firstBad?.problem}\n`,
      );
    }
    return EXIT.refused;
  }
  // Production never calls an unanchored log intact (ADR 0085): that is exactly what the
  // rewritten log of the review looked like.
  if (!result.pinned && config.env === 'production') {
    return fail(
      `the chain is consistent (${result.entries} entries) but nothing vouches for the key that signed its checkpoints: set SANCTUARY_AUDIT_KEY_FINGERPRINT, or run verify while the server is unsealed`,
      EXIT.config,
    );
  }
  if (!json)
    process.stdout.write(
      `Audit chain intact: ${result.entries} entries, ${result.checkpointsChecked} signed checkpoints matched${result.countersigned ? `, ${result.countersigned} countersigned by witnesses` : ''}${result.pinned ? ' (audit key pinned)' : ''}.\n`,
    );
  return 0;
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const parsed = call;
  const sub = call.path[1];
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  try {
    if (sub === 'verify') {
      return await verify(
        config,
        [...list(parsed.values.checkpoints), ...list(parsed.values.witness)],
        parsed.values.json === true,
      );
    }
    if (sub === 'fingerprint') {
      if (!(await serverIsRunning(config)))
        return fail(
          'the fingerprint needs the running, unsealed server (or your records from "keys init")',
          EXIT.unavailable,
        );
      const res = await callAdmin<{ fingerprint: string }>(config.adminSocket, 'GET', '/audit/fingerprint');
      if (res.status !== 200) return fail(adminErrorText(res.body));
      output(parsed, { fingerprint: res.body.fingerprint }, `${res.body.fingerprint}\n`);
      return 0;
    }
    if (sub === 'checkpoint') {
      let checkpoint: AuditCheckpoint | { empty: true };
      if (await serverIsRunning(config)) {
        const res = await callAdmin<AuditCheckpoint | { empty: true }>(
          config.adminSocket,
          'POST',
          '/audit/checkpoint',
        );
        if (res.status !== 200) return fail(adminErrorText(res.body));
        checkpoint = res.body;
      } else {
        if (!config.devAutoUnseal)
          return fail('signing needs the unsealed server: start it and unseal first', EXIT.unavailable);
        const { writeCheckpoint } = await import('../modules/admin/index.ts');
        checkpoint = (await withDirectContext(config, (ctx) => writeCheckpoint(ctx))) ?? { empty: true };
      }
      if ('empty' in checkpoint) return fail('the audit log is empty; nothing to sign');
      if (typeof parsed.values.out === 'string') await appendCheckpointFile(parsed.values.out, checkpoint);
      process.stdout.write(`${JSON.stringify(checkpoint)}\n`);
      return 0;
    }
    return fail(`usage: ${USAGE}`, EXIT.usage);
  } catch (error) {
    return explain(error);
  }
}
