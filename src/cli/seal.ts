import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output } from './shared.ts';

export async function run(_args: string[], call: CliCall): Promise<number> {
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (!(await serverIsRunning(config)))
      return fail(`no running server answers on ${config.adminSocket}`, EXIT.unavailable);
    const res = await callAdmin(config.adminSocket, 'POST', '/seal');
    if (res.status !== 200) return fail(adminErrorText(res.body));
    output(
      call,
      { sealed: true },
      'Sealed. Personal data is locked until the key holders unseal the server again.\n',
    );
    return 0;
  } catch (error) {
    return explain(error);
  }
}
