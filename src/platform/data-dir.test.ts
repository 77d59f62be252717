import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/support/app.ts';
import { DataDirError, secureDataDir } from './data-dir.ts';

/** Finding 16 of issue 12: the data directory is private even when it existed already. */
describe.skipIf(process.platform === 'win32')('secureDataDir', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    umask = process.umask();
    root = mkdtempSync(join(tmpdir(), 'sanctuary-datadir-'));
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('creates a missing data directory 0700', () => {
    const dir = join(root, 'fresh', 'data');
    expect(secureDataDir(dir)).toBe(0);
    expect(mode(dir)).toBe(0o700);
  });

  it('tightens an existing 0755 directory and the 0644 files and 0755 folders in it, leaving symlinks alone', () => {
    const dir = join(root, 'data');
    mkdirSync(join(dir, 'blobs'), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'b1'), 'x');
    writeFileSync(join(dir, 'lock'), 'x');
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'blobs'), 0o755);
    chmodSync(join(dir, 'blobs', 'b1'), 0o644);
    chmodSync(join(dir, 'lock'), 0o600);
    const outside = join(root, 'outside');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(dir, 'link'));
    expect(secureDataDir(dir)).toBe(3);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'blobs'))).toBe(0o700);
    expect(mode(join(dir, 'blobs', 'b1'))).toBe(0o600);
    expect(mode(join(dir, 'lock'))).toBe(0o600);
    expect(mode(outside)).toBe(0o644);
    // What the process writes afterwards is private from the start.
    writeFileSync(join(dir, 'later'), 'x');
    expect(mode(join(dir, 'later'))).toBe(0o600);
  });

  it('refuses a data directory that is a file, saying so', () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(() => secureDataDir(file)).toThrow(DataDirError);
    expect(() => secureDataDir(file)).toThrow(/not a directory/);
  });

  it('the application makes an existing open data directory private when it starts', async () => {
    const dir = join(root, 'app-data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const t = await buildTestApp({ config: { dataDir: dir } });
    try {
      expect(mode(dir)).toBe(0o700);
    } finally {
      await t.close();
    }
  });
});
