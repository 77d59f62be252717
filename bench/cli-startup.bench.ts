/**
 * `npm run bench -- cli-startup [--runs 15]`
 *
 * How long a `sanctuary` call takes to start (ADR 0149, issue 21: goal under 0.5 s), measured
 * as wall time of whole processes, interleaved, beside `node -e 0` in the same run (the
 * baseline: a machine that is busy makes both slower, the ratio less so). Prints the median
 * and the 90th percentile of each, and the ratio of the medians. `--from-source` measures
 * the tsx fallback instead of dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain JavaScript module of the launcher, without types
import { sourceStamp } from '../bin/stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'sanctuary.js');

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function run(args: string[]): Promise<void> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt === -1 ? 15 : Number(args[runsAt + 1]);
  const fromSource = args.includes('--from-source');
  const env = { ...process.env, SANCTUARY_FROM_SOURCE: fromSource ? '1' : '0' };
  const stamp = join(root, 'dist', '.stamp');
  const current =
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === (sourceStamp as (d: string) => string)(join(root, 'src'));
  const mode = fromSource
    ? 'sources through tsx (--from-source)'
    : current
      ? 'dist/ (compiled)'
      : 'sources through tsx (dist/ missing or stale: npm run build)';
  const cases: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['sanctuary --version', [bin, '--version']],
    ['sanctuary pathways --help', [bin, 'pathways', '--help']],
  ];
  const samples = cases.map(() => [] as number[]);
  // One warm-up round (file cache), then interleaved runs.
  for (const [, a] of cases) time(a, env);
  for (let i = 0; i < runs; i++) {
    cases.forEach(([, a], j) => {
      samples[j]!.push(time(a, env));
    });
  }
  const medians = samples.map((s) =>
    quantile(
      s.sort((a, b) => a - b),
      0.5,
    ),
  );
  process.stdout.write(`cli-startup: ${runs} runs each, interleaved; the command runs ${mode}\n`);
  cases.forEach(([name], j) => {
    const s = samples[j]!;
    process.stdout.write(
      `  ${name.padEnd(28)} median ${medians[j]!.toFixed(0).padStart(5)} ms   p90 ${quantile(s, 0.9).toFixed(0).padStart(5)} ms   ${j === 0 ? 'baseline' : `${(medians[j]! / medians[0]!).toFixed(1)}x node -e 0`}\n`,
    );
  });
  const worst = Math.max(medians[1]!, medians[2]!);
  process.stdout.write(`  goal: under 500 ms: ${worst < 500 ? 'met' : 'NOT met'} (${worst.toFixed(0)} ms)\n`);
}
