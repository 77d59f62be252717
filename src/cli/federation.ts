import { readFile, writeFile } from 'node:fs/promises';
import type { CliActor } from '../access/index.ts';
import type { Config } from '../config/config.ts';
import type { ImportOutcome } from '../modules/federation/index.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail } from './shared.ts';

export const summary = 'hand a referral packet to another Sanctuary server as a file, or take one in';

const USAGE = `usage:
  sanctuary federation export-packet --id PACKET_ID --out FILE
      writes an outgoing packet (already sealed to the peer's key) to FILE, for an offline hand-over
  sanctuary federation import-packet FILE [--out RECEIPT_FILE]
      takes in a packet from a verified peer (files its referral or records its status) and
      writes the signed receipt to carry back; or takes in such a receipt for one of our packets
exit codes: 0 done, 64 bad usage, 65 the file was refused (the reason on stderr), 69 server sealed or unavailable`;

const CLI: CliActor = { kind: 'cli', id: 'cli' };

/** Through the running server's admin socket when it runs, else directly on the database. */
async function call<T>(
  config: Config,
  path: string,
  body: unknown,
  direct: () => Promise<T>,
): Promise<T | number> {
  if (await serverIsRunning(config)) {
    const res = await callAdmin<T>(config.adminSocket, 'POST', path, body);
    if (res.status !== 200)
      return fail(adminErrorText(res.body), res.status === 503 ? EXIT.unavailable : EXIT.data);
    return res.body;
  }
  return direct();
}

export async function run(_args: string[], cli: CliCall): Promise<number> {
  const sub = cli.path[1];
  const [file, ...extra] = cli.positionals;
  const parsed = { values: cli.values };
  const out = typeof parsed.values.out === 'string' ? parsed.values.out : undefined;
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (
      sub === 'export-packet' &&
      file === undefined &&
      typeof parsed.values.id === 'string' &&
      out !== undefined
    ) {
      const packetId = parsed.values.id;
      const result = await call(config, '/federation/export', { packetId }, async () => {
        const { exportPacket } = await import('../modules/federation/index.ts');
        return { packet: await withDirectContext(config, (ctx) => exportPacket(ctx, CLI, packetId)) };
      });
      if (typeof result === 'number') return result;
      await writeFile(out, result.packet, { mode: 0o600 });
      process.stdout.write(`Packet ${packetId} written to ${out}. It is sealed to the peer's key.\n`);
      return EXIT.ok;
    }
    if (sub === 'import-packet' && file !== undefined && extra.length === 0) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) return fail(`cannot read ${file}`, EXIT.data);
      const result = await call<ImportOutcome>(config, '/federation/import', { text }, async () => {
        const { importPacketFile } = await import('../modules/federation/index.ts');
        return withDirectContext(config, (ctx) => importPacketFile(ctx, CLI, text));
      });
      if (typeof result === 'number') return result;
      if (result.kind === 'refused') return fail(`refused (${result.code}): ${result.message}`, EXIT.data);
      if (result.kind === 'receipt') {
        process.stdout.write(`Receipt accepted: packet ${result.packetId} is delivered.\n`);
        return EXIT.ok;
      }
      const receipt = `${JSON.stringify(result.receipt)}\n`;
      if (out === undefined) process.stdout.write(receipt);
      else {
        await writeFile(out, receipt, { mode: 0o600 });
        process.stdout.write(
          `Packet ${result.receipt.packetId} taken in (${result.receipt.outcome}); receipt written to ${out}.\n`,
        );
      }
      return EXIT.ok;
    }
  } catch (error) {
    return explain(error);
  }
  return fail(USAGE, EXIT.usage);
}
