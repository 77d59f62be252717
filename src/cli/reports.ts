/**
 * `sanctuary reports budget|verify` (issue 19, ADRs 0146 and 0171).
 *
 * - `reports budget` prints every dataset's privacy budget (total ρ, spent, releases);
 *   `reports budget --dataset D --total RHO` sets one. The operator on the server sets it at
 *   once (audited as `reports.budget`, actor cli); on the web, raising it is a two-person act.
 *   Through the running server's admin socket, or directly in development.
 * - `reports verify BUNDLE [--public-key KEY]` checks a public release bundle (the .tar the
 *   releases page downloads, or the directory it unpacks to): the signature, every file's hash,
 *   no file missing or added, a page that loads nothing from outside. Touches no database.
 *   Exit 0 intact, 2 naming the problem.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CliActor } from '../access/index.ts';
import type { Config } from '../config/config.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall } from './main.ts';
import { configOrExit, EXIT, explain, fail, output } from './shared.ts';

const CLI: CliActor = { kind: 'cli', id: 'cli' };
const PREFIX = 'reports';
/** A bundle is a page, a few CSV and JSON files and a manifest: far below this. */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

interface BudgetRow {
  dataset: string;
  total: string;
  spent: string;
  releases: number;
}

/** Through the running server's admin socket when it runs, else directly (development only). */
async function viaServer<T>(
  config: Config,
  method: 'GET' | 'POST',
  route: string,
  body: unknown,
  direct: () => Promise<T>,
): Promise<T | number> {
  if (await serverIsRunning(config)) {
    const res = await callAdmin<T>(config.adminSocket, method, route, body);
    if (res.status === 400) return fail(adminErrorText(res.body), EXIT.usage, PREFIX);
    if (res.status !== 200)
      return fail(adminErrorText(res.body), res.status === 503 ? EXIT.unavailable : EXIT.data, PREFIX);
    return res.body;
  }
  if (!config.devAutoUnseal)
    return fail(
      'the server is not running. Start it and unseal it, then run this command again.',
      EXIT.unavailable,
    );
  return direct();
}

async function budget(call: CliCall): Promise<number> {
  const { dataset, total } = call.values;
  if ((dataset === undefined) !== (total === undefined) || call.positionals.length > 0)
    return fail(
      'give both --dataset and --total to set a budget, or neither to show them',
      EXIT.usage,
      PREFIX,
    );
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (typeof dataset === 'string' && typeof total === 'string') {
      const change = await viaServer(config, 'POST', '/reports/budget', { dataset, total }, async () => {
        const { setBudget } = await import('../modules/reports/index.ts');
        return withDirectContext(config, (ctx) => setBudget(ctx, CLI, { dataset, total }));
      });
      if (typeof change === 'number') return change;
      output(
        call,
        change,
        change.outcome === 'unchanged'
          ? `The budget of ${change.dataset} is already ${change.to}.\n`
          : `The budget of ${change.dataset} is now ${change.to} (was ${change.from}).\n`,
      );
      return EXIT.ok;
    }
    const rows = await viaServer<BudgetRow[]>(config, 'GET', '/reports/budget', {}, async () => {
      const { budgets } = await import('../modules/reports/index.ts');
      return withDirectContext(config, (ctx) => budgets(ctx, CLI));
    });
    if (typeof rows === 'number') return rows;
    output(
      call,
      rows,
      rows
        .map((r) => `${r.dataset}: total rho ${r.total}, spent ${r.spent} in ${r.releases} releases\n`)
        .join(''),
    );
    return EXIT.ok;
  } catch (error) {
    return explain(error);
  }
}

/** The files of a bundle: a directory, or the tar the releases page downloads (its one top folder dropped). */
export async function readBundle(location: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  if ((await stat(location)).isDirectory()) {
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile())
          files.set(path.relative(location, full).split(path.sep).join('/'), await readFile(full));
      }
    };
    await walk(location);
    return files;
  }
  const data = await readFile(location);
  if (data.length > MAX_BUNDLE_BYTES) throw new Error('the bundle is too large');
  const tar = await import('tar-stream');
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^[^/]+\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([data]).pipe(extract);
  await done;
  return files;
}

async function verify(call: CliCall): Promise<number> {
  const [bundle] = call.positionals;
  if (bundle === undefined) return fail('one bundle (a .tar or a directory) is required', EXIT.usage, PREFIX);
  const key = call.values['public-key'];
  const expected = typeof key === 'string' && key !== '' ? key : undefined;
  let files: Map<string, Buffer>;
  try {
    files = await readBundle(bundle);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) return fail(`cannot read ${bundle} (${code})`, EXIT.noInput, PREFIX);
    return fail(`${bundle} is not a release bundle: ${(error as Error).message}`, EXIT.data, PREFIX);
  }
  const { verifyReleaseBundle } = await import('../modules/reports/index.ts');
  const result = verifyReleaseBundle(files, expected);
  if (result.ok && expected === undefined)
    process.stderr.write(
      `sanctuary reports: note: the signature was checked against the key the bundle names (${result.publicKey}) only; pass --public-key to check it is the organisation's\n`,
    );
  output(
    call,
    { valid: result.ok, ...result },
    result.ok
      ? `Intact: release ${result.release}, signed by ${result.publicKey}.\n`
      : `NOT intact: ${result.problem}\n`,
  );
  return result.ok ? EXIT.ok : EXIT.refused;
}

/** Help, unknown options and sub-commands are answered by the dispatcher from commands.ts. */
export async function run(_args: string[], call: CliCall): Promise<number> {
  const sub = call.path[1];
  if (sub === 'budget') return budget(call);
  if (sub === 'verify') return verify(call);
  return fail('a sub-command is needed: budget or verify', EXIT.usage, PREFIX);
}
