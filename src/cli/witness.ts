import { writeFile } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import type { ForkView, SilenceView } from '../modules/witness/index.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output } from './shared.ts';

const USAGE =
  'sanctuary witness forks | sanctuary witness export --origin FINGERPRINT [--log audit|ledger] [--out FILE]';

/** Through the running server's admin socket when it runs, else directly on the database. */
async function ask<T>(config: Config, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  if (await serverIsRunning(config)) {
    const res = await callAdmin<T>(config.adminSocket, method, path, body);
    if (res.status !== 200) throw new Error(adminErrorText(res.body));
    return res.body;
  }
  const direct = { ...config, devAutoUnseal: false };
  const witness = await import('../modules/witness/index.ts');
  return withDirectContext(direct, async (ctx) => {
    if (path === '/witness/forks') {
      const db = ctx.database.db;
      return { forks: await witness.listAllForks(db), silences: await witness.listAllSilences(db) } as T;
    }
    const { origin, log } = body as { origin: string; log: 'audit' | 'ledger' };
    return { text: await witness.exportCopies(ctx.database.db, origin, log) } as T;
  });
}

function describe(f: ForkView): string {
  const whose = f.origin === 'self' ? 'this server' : `peer ${f.origin}`;
  const state = f.acknowledgedAt === null ? 'NOT ACKNOWLEDGED' : `acknowledged by ${f.acknowledgedBy ?? '?'}`;
  return `FORK ${f.id}: ${f.log} checkpoint ${f.seq} of ${whose}, seen by the ${f.seenBy} at ${new Date(f.raisedAt).toISOString()}: heads ${f.firstHead.slice(0, 16)}… and ${f.secondHead.slice(0, 16)}… (${state})\n`;
}

function describeSilence(s: SilenceView): string {
  const who =
    s.peerRole === 'origin' ? `origin ${s.peer} (witnessed here)` : `witness ${s.peer} (of this server)`;
  const last = s.lastCheckpointAt === null ? 'never' : new Date(s.lastCheckpointAt).toISOString();
  const ended =
    s.endedAt === null ? 'STILL SILENT' : `checkpoints again since ${new Date(s.endedAt).toISOString()}`;
  return `SILENCE ${s.id}: no checkpoint exchanged with ${who} since ${last}, alarm raised ${new Date(s.raisedAt).toISOString()} (${ended}; NOT ACKNOWLEDGED)\n`;
}

/**
 * `sanctuary witness forks`: every fork alarm and every silence alarm not yet acknowledged
 * (ADR 0213), exit 2 while one is not acknowledged (for a monitoring check); `sanctuary witness export`: the copies this server witnessed for a peer,
 * countersigned, for that peer's `audit verify --witness FILE` (ADR 0175).
 */
export async function run(_args: string[], call: CliCall): Promise<number> {
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  const sub = call.path[1];
  try {
    if (sub === 'forks') {
      const { forks, silences = [] } = await ask<{ forks: ForkView[]; silences?: SilenceView[] }>(
        config,
        'GET',
        '/witness/forks',
      );
      const open = forks.filter((f) => f.acknowledgedAt === null).length;
      output(
        call,
        { forks, unacknowledged: open, silences },
        (forks.length === 0 ? 'No forked checkpoint was ever seen.\n' : forks.map(describe).join('')) +
          silences.map(describeSilence).join(''),
      );
      return open > 0 || silences.length > 0 ? EXIT.refused : 0;
    }
    if (sub === 'export') {
      const origin = typeof call.values.origin === 'string' ? call.values.origin.trim().toLowerCase() : '';
      const log = call.values.log === undefined ? 'audit' : String(call.values.log);
      if (!/^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/.test(origin) || (log !== 'audit' && log !== 'ledger')) {
        return fail(`usage: ${USAGE}`, EXIT.usage);
      }
      const { text } = await ask<{ text: string }>(config, 'POST', '/witness/export', { origin, log });
      if (typeof call.values.out === 'string') await writeFile(call.values.out, text, { mode: 0o600 });
      else process.stdout.write(text);
      return 0;
    }
    return fail(`usage: ${USAGE}`, EXIT.usage);
  } catch (error) {
    return explain(error);
  }
}
