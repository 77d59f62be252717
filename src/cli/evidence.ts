import type { CliCall } from './main.ts';
import { EXIT, fail } from './shared.ts';

export const summary =
  "verify an evidence bundle (no data directory needed), or the store's chains of custody";

const USAGE =
  'sanctuary evidence verify BUNDLE [--public-key FILE]   (a bag: directory or ZIP)\n       sanctuary evidence verify [--item ID]                 (the custody of every item, or one, in this deployment)';

/**
 * `sanctuary evidence verify BUNDLE [--public-key F]` (DESIGN.md §4): checks an exported bag
 * with nothing but the bag and the organisation's public key: no config, no data directory,
 * no database, no network. Exit 0 only when intact; 2 naming every problem; 65 when the
 * bundle or key cannot be read. Without BUNDLE it checks the custody chains in the database
 * (directly, so not while the embedded database is held by a running server).
 */
async function verifyBundleCommand(path: string, publicKey: string | undefined): Promise<number> {
  const { verifyBundle } = await import('../modules/evidence/index.ts');
  let result: Awaited<ReturnType<typeof verifyBundle>>;
  try {
    result = await verifyBundle(path, publicKey);
  } catch (error) {
    return fail(
      `cannot read the bundle or key: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.data,
    );
  }
  for (const warning of result.warnings) process.stderr.write(`WARNING: ${warning}\n`);
  if (!result.ok) {
    process.stdout.write(`Bundle BROKEN: ${result.problems.length} problem(s)\n`);
    for (const problem of result.problems) process.stdout.write(`  - ${problem}\n`);
    return EXIT.refused;
  }
  process.stdout.write(
    `Bundle intact: ${result.items} item(s) for ${result.destination}; manifests, tag manifests, signature, custody and consent verified${result.timestampedAt === undefined ? '' : `; timestamped ${result.timestampedAt}`}.\n`,
  );
  return EXIT.ok;
}

async function verifyStore(itemId: string | undefined): Promise<number> {
  const { configOrExit, explain } = await import('./shared.ts');
  const { serverIsRunning, withDirectContext } = await import('./direct.ts');
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    if (config.databaseUrl === undefined && (await serverIsRunning(config))) {
      return fail(
        'the server holds the embedded database: stop it first, or run this on PostgreSQL',
        EXIT.unavailable,
      );
    }
    const { verifyCustody } = await import('../modules/evidence/index.ts');
    const result = await withDirectContext({ ...config, devAutoUnseal: false }, (ctx) =>
      verifyCustody(ctx, itemId === undefined ? {} : { itemId }),
    );
    if (!result.ok) {
      process.stdout.write(`Custody BROKEN: ${result.problems.length} problem(s)\n`);
      for (const problem of result.problems) process.stdout.write(`  - ${problem}\n`);
      return EXIT.refused;
    }
    process.stdout.write(
      `Custody intact: ${result.items} item(s), ${result.events} event(s) from arrival to now.\n`,
    );
    return EXIT.ok;
  } catch (error) {
    return explain(error);
  }
}

export async function run(_args: string[], call: CliCall): Promise<number> {
  const [bundle] = call.positionals;
  const publicKey = call.values['public-key'];
  const item = call.values.item;
  if (bundle !== undefined) {
    if (item !== undefined) return fail(`--item is for the store, not a bundle\nusage: ${USAGE}`, EXIT.usage);
    return verifyBundleCommand(bundle, typeof publicKey === 'string' ? publicKey : undefined);
  }
  if (publicKey !== undefined) return fail(`--public-key needs a BUNDLE\nusage: ${USAGE}`, EXIT.usage);
  return verifyStore(typeof item === 'string' ? item : undefined);
}
