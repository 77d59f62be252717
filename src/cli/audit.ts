import { readFile } from 'node:fs/promises';
import {
  type AuditCheckpoint,
  type AuditVerification,
  appendCheckpointFile,
  readCheckpointFile,
  verifyAuditChain,
} from '../modules/audit/audit.service.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import { configOrExit, EXIT, explain, fail, parseOptions } from './shared.ts';

export const summary = 'verify the audit chain, or sign and export a checkpoint';

const USAGE = 'sanctuary audit verify [--checkpoints FILE] | sanctuary audit checkpoint [--out FILE]';

export async function run(args: string[]): Promise<number> {
  const parsed = parseOptions(args, { checkpoints: { type: 'string' }, out: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [sub] = parsed.positionals;
  const config = configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (sub === 'verify') {
      const extraPath = parsed.values.checkpoints;
      let extra: AuditCheckpoint[] = [];
      if (typeof extraPath === 'string') {
        await readFile(extraPath); // a missing witness file is an error, not an empty list
        extra = await readCheckpointFile(extraPath);
      }
      let result: AuditVerification;
      if (await serverIsRunning(config)) {
        const res = await callAdmin<AuditVerification>(config.adminSocket, 'POST', '/audit/verify', {
          checkpoints: extra,
        });
        if (res.status !== 200) return fail(adminErrorText(res.body));
        result = res.body;
      } else {
        const direct = { ...config, devAutoUnseal: false };
        const { knownCheckpoints } = await import('../modules/admin/admin-channel.ts');
        result = await withDirectContext(direct, async (ctx) =>
          verifyAuditChain(ctx.database.db, [...(await knownCheckpoints(ctx)), ...extra]),
        );
      }
      if (result.ok) {
        process.stdout.write(
          `Audit chain intact: ${result.entries} entries, ${result.checkpointsChecked} signed checkpoints matched.\n`,
        );
        return 0;
      }
      process.stdout.write(
        `Audit chain BROKEN at entry ${result.firstBad?.seq}: ${result.firstBad?.problem}\n`,
      );
      return EXIT.refused;
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
        const { writeCheckpoint } = await import('../modules/admin/admin-channel.ts');
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
