import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/process.ts';

/**
 * `sanctuary federation` as a user runs it. Taking packets in and out is tested on the
 * services in test/federation.test.ts (two servers); here: `--help` does nothing else, and bad
 * usage exits 64 before touching any data directory.
 */
const root = mkdtempSync(join(tmpdir(), 'sanctuary-federation-cli-'));
const dataDir = join(root, 'data');
const env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dataDir };
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sanctuary federation', () => {
  it('--help prints the usage, exits 0 and creates nothing; bad usage exits 64', async () => {
    const [help, bad] = await Promise.all([
      runCli(['federation', 'import-packet', '--help'], env),
      runCli(['federation', 'export-packet', '--id'], env),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('sanctuary federation import-packet FILE');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('usage:');
    expect(existsSync(dataDir)).toBe(false);
  });
});
