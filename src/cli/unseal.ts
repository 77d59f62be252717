import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output, readStdin } from './shared.ts';

interface Progress {
  sealed: boolean;
  keyId: string | null;
  progress: { received: number; threshold: number } | null;
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (!(await serverIsRunning(config))) {
      return fail(
        `no running server answers on ${config.adminSocket}; start it first (sanctuary serve)`,
        EXIT.unavailable,
      );
    }
    if (call.path[1] === 'approve') {
      // ADR 0116: compare the fingerprint with the one the new instance logged before approving it.
      const res = await callAdmin<{ fingerprint: string }>(config.adminSocket, 'POST', '/unseal/approve', {
        fingerprint: call.positionals[0],
      });
      if (res.status !== 200) return fail(adminErrorText(res.body), EXIT.refused);
      output(
        call,
        res.body,
        `Keyring sealed to instance ${res.body.fingerprint}; it unseals within a few seconds.\n`,
      );
      return 0;
    }
    if (process.stdin.isTTY) process.stderr.write('Paste your key share and press Enter, then Ctrl-D:\n');
    const share = (await readStdin())
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '');
    if (share === undefined) return fail('no share on standard input', EXIT.usage);
    const res = await callAdmin<Progress>(config.adminSocket, 'POST', '/unseal', { share });
    if (res.status !== 200) return fail(adminErrorText(res.body), EXIT.refused);
    const p = res.body.progress;
    output(
      call,
      res.body,
      res.body.sealed
        ? `Share accepted: ${p?.received ?? 0} of ${p?.threshold ?? '?'}. Still sealed.\n`
        : `Unsealed (key ${res.body.keyId}).\n`,
    );
    return 0;
  } catch (error) {
    return explain(error);
  }
}
