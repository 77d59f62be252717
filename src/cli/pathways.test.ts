import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repoRoot, 'bin', 'sanctuary.js');

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sanctuary(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sanctuary pathways', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pathways-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints ranked options and warnings as JSON for a valid profile', async () => {
    await writeFile(
      file('ok.json'),
      JSON.stringify({
        citizenship: 'RU',
        applicantType: 'conscript',
        location: 'RU',
        documents: ['internal_passport'],
        language: 'en',
      }),
    );
    const r = await sanctuary(['pathways', '--profile', file('ok.json'), '--today', '2026-11-22']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      options: Array<{ id: string; viable: { value: boolean } }>;
      warnings: unknown[];
    };
    expect(Object.keys(out)).toEqual(['options', 'warnings', 'contentVersion']);
    expect(out.options.length).toBeGreaterThan(20);
    expect(out.options[0]?.viable.value).toBe(true);
    expect(out.options.find((o) => o.id === 'ru-alternative-service')?.viable.value).toBe(true);
    expect(out.warnings.length).toBeGreaterThan(0);
  });

  it('keeps its contract for the situation model: same top level, new fields additive (issue 11)', async () => {
    // The first unsafe answer: a contract soldier at the front was sent to Kyrgyzstan.
    await writeFile(
      file('front.json'),
      JSON.stringify({
        citizenship: 'RU',
        applicantType: 'contract',
        location: 'UA',
        documents: ['internal_passport', 'military_id'],
        language: 'uk',
        summonsPosted: false,
        lawfulStayDaysLeft: 0,
      }),
    );
    const r = await sanctuary(['pathways', '--profile', file('front.json'), '--today', '2026-12-06']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      options: Array<Record<string, unknown> & { id: string; viable: { value: boolean } }>;
    };
    expect(Object.keys(out)).toEqual(['options', 'warnings', 'contentVersion']);
    const first = out.options[0];
    expect(first?.id).toBe('ua-surrender');
    for (const key of ['id', 'country', 'kind', 'title', 'viable', 'risk', 'steps', 'sources', 'reviewed'])
      expect(Object.keys(first ?? {}), key).toContain(key);
    expect(first).toMatchObject({ rank: { position: 1, key: 'first' }, journey: { here: true } });
    expect(out.options.find((o) => o.id === 'kg-stay')?.viable.value).toBe(false);
  });

  it('reads the profile from standard input (--profile -), in the language of --lang; a closed pipe ends it quietly', async () => {
    const profile = JSON.stringify({
      citizenship: 'RU',
      applicantType: 'conscript',
      location: 'RU',
      documents: ['internal_passport'],
      language: 'ru',
    });
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bin, 'pathways', '--profile', '-', '--today', '2026-11-22', ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        input: profile,
      });
    const en = run(['--lang', 'en']);
    expect(en.stderr).toBe('');
    expect(en.status).toBe(0);
    const uk = run(['--lang', 'uk']);
    const first = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { warnings: Array<{ text: string }> }).warnings;
    expect(first(uk).map((w) => w.text)).not.toEqual(first(en).map((w) => w.text));
    expect(run(['--lang', 'de']).status).toBe(64);
    // `sanctuary pathways … | head -c 1`: the reader goes away after one byte; no EPIPE trace.
    // The output (about 300 KB) is larger than a pipe's buffer, so the write does fail with EPIPE.
    const piped = spawnSync(
      '/bin/bash',
      ['-c', `"${process.execPath}" "${bin}" pathways --profile - | head -c 1; exit "\${PIPESTATUS[0]}"`],
      { cwd: repoRoot, encoding: 'utf8', input: profile },
    );
    expect(piped.stdout).toBe('{');
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
  });

  it('fails with usage when --profile is missing', async () => {
    const r = await sanctuary(['pathways']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--profile is required/);
    expect(r.stdout).toBe('');
  });

  it('fails clearly when the file does not exist', async () => {
    const r = await sanctuary(['pathways', '--profile', file('missing.json')]);
    expect(r.code).toBe(66);
    expect(r.stderr).toMatch(/cannot read profile file/);
  });

  it('fails clearly on malformed JSON', async () => {
    await writeFile(file('bad.json'), '{"citizenship": "RU",');
    const r = await sanctuary(['pathways', '--profile', file('bad.json')]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it('lists every schema issue, in English, for wrong types', async () => {
    await writeFile(
      file('types.json'),
      JSON.stringify({ citizenship: 7, applicantType: 'general', location: 'RU', documents: 'passport' }),
    );
    const r = await sanctuary(['pathways', '--profile', file('types.json')]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/the profile is invalid/);
    expect(r.stderr).toMatch(/citizenship/);
    expect(r.stderr).toMatch(/applicantType/);
    expect(r.stderr).toMatch(/documents/);
  });

  it('refuses an oversized profile without parsing it', async () => {
    await writeFile(file('big.json'), `{"padding":"${'x'.repeat(100_000)}"}`);
    const r = await sanctuary(['pathways', '--profile', file('big.json')]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/too large/);
  });

  it('rejects unknown flags and a malformed --today', async () => {
    expect((await sanctuary(['pathways', '--profile', file('ok.json'), '--verbose'])).code).toBe(64);
    const r = await sanctuary(['pathways', '--profile', file('ok.json'), '--today', 'tomorrow']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/YYYY-MM-DD/);
  });
});
