// `npm run build` (and `npm install`, through `prepare`): compiles src/ into dist/ so that the
// `sanctuary` command starts without compiling TypeScript (ADR 0149). Type checking is
// `npm run typecheck`'s job; this only emits (tsc --noCheck), in a few seconds. Without
// TypeScript installed (a production-only install) it says so and leaves dist/ alone: the
// command then runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from '../bin/stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    'build: TypeScript is not installed (production install?); dist/ not built, the sources run through tsx.\n',
  );
  process.exit(0);
}
const stamp = sourceStamp(src);
rmSync(dist, { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (built.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write('build: tsc failed; dist/ removed, the sources run through tsx.\n');
  process.exit(built.status ?? 1);
}
// Files the code reads beside itself (stylesheets, scripts): every `assets` directory.
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (entry.isDirectory() && entry.name === 'assets') {
    const from = join(entry.parentPath, entry.name);
    cpSync(from, join(dist, from.slice(src.length)), { recursive: true });
  }
}
if (!existsSync(join(dist, 'cli', 'main.js'))) {
  process.stderr.write('build: dist/cli/main.js is missing after tsc\n');
  process.exit(1);
}
// The stamp of the sources as they were before compiling: an edit during the build makes dist/ stale.
writeFileSync(join(dist, '.stamp'), `${stamp}\n`);
