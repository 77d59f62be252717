#!/usr/bin/env node
// Entry point of the `sanctuary` command (ADR 0149). It runs the compiled dist/ when dist/ was
// built from exactly the sources present (`npm install` builds it; `npm run build` rebuilds);
// otherwise it compiles the TypeScript sources at run time through tsx, which is slower to
// start but never runs stale code. SANCTUARY_FROM_SOURCE=1 forces the sources.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from './stamp.js';

const src = fileURLToPath(new URL('../src', import.meta.url));
const stampFile = new URL('../dist/.stamp', import.meta.url);

function distIsCurrent() {
  if (process.env.SANCTUARY_FROM_SOURCE === '1' || !existsSync(stampFile)) return false;
  // An image that ships dist/ without the sources runs dist/.
  if (!existsSync(src)) return true;
  return readFileSync(stampFile, 'utf8').trim() === sourceStamp(src);
}

let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  if (process.stderr.isTTY && process.env.SANCTUARY_FROM_SOURCE !== '1') {
    process.stderr.write(
      'sanctuary: dist/ is missing or older than src/; running the sources (slower start). "npm run build" fixes it.\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
