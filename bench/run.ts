/**
 * `npm run bench -- <name>` runs bench/<name>.bench.ts. Every benchmark prints its figure
 * beside a baseline measured in the same run, as a ratio, because these machines are noisy.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const [name, ...args] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name> [options]\navailable: ${available.join(', ')}\n`);
  process.exit(64);
}
const mod = (await import(join(here, `${name}.bench.ts`))) as { run(args: string[]): Promise<void> };
await mod.run(args);
