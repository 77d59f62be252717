import { STAFF_ROLES } from '../access/index.ts';
import { isAppError } from '../platform/errors.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output } from './shared.ts';

const USAGE = 'sanctuary staff create --email E --role R';
const INVALID = `invalid email or role. Roles: ${STAFF_ROLES.join(', ')}`;

export async function run(_args: string[], call: CliCall): Promise<number> {
  const { email, role } = call.values;
  if (typeof email !== 'string' || typeof role !== 'string') {
    return fail(`usage: ${USAGE}\nroles: ${STAFF_ROLES.join(', ')}`, EXIT.usage);
  }
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    let link: string;
    let expiresAt: string;
    if (await serverIsRunning(config)) {
      const res = await callAdmin<{ enrolmentUrl: string; expiresAt: string }>(
        config.adminSocket,
        'POST',
        '/staff',
        { email, role },
      );
      if (res.status === 400) return fail(INVALID, EXIT.usage);
      if (res.status !== 200) return fail(adminErrorText(res.body));
      link = res.body.enrolmentUrl;
      expiresAt = res.body.expiresAt;
    } else {
      if (!config.devAutoUnseal) {
        return fail(
          'the server is not running. Start it and unseal it, then run this command again.',
          EXIT.unavailable,
        );
      }
      const { createStaff } = await import('../modules/auth/index.ts');
      const created = await withDirectContext(config, (ctx) =>
        createStaff(ctx, { kind: 'cli', id: 'cli' }, { email, role }),
      );
      link = created.enrolmentUrl;
      expiresAt = created.expiresAt.toISOString();
    }
    output(
      call,
      { enrolmentUrl: link, expiresAt },
      `Enrolment link (works once, until ${expiresAt}):\n${link}\n` +
        'Send it to the person through a safe channel. They choose a password and set up TOTP there.\n',
    );
    return 0;
  } catch (error) {
    if (isAppError(error) && error.code === 'validation_failed') return fail(INVALID, EXIT.usage);
    return explain(error);
  }
}
