#!/usr/bin/env node
// Entry point of the `sanctuary` command. TypeScript sources are loaded through tsx,
// so the two-command quick start needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
