import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/sanctuary.js');
const dir = mkdtempSync(join(tmpdir(), 'sanctuary-link-'));

function runLink(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, 'link', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SANCTUARY_LINKAGE_SECRET: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n'));
  return p;
}

const people = [
  '{"id":"r1","givenName":"Павел","familyName":"Филатьев","patronymic":"Андреевич","birthDate":"1988-03-21","phone":"+7 912 000-00-00"}',
  '{"id":"r2","givenName":"Pavel","familyName":"Filatyev","birthDate":"21.03.1988","phone":"89120000000"}',
  '{"id":"r3","givenName":"Ирина","familyName":"Смирнова","birthDate":"1970-01-05"}',
];

function outputLines(p: string): { id: string; clusterId: string }[] {
  return readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; clusterId: string });
}

describe('sanctuary link', () => {
  it('reads standard input and writes standard output with -, the summary (no progress bar) on stderr', () => {
    const r = spawnSync(process.execPath, [bin, 'link', '--input', '-', '--output', '-'], {
      encoding: 'utf8',
      input: `${people.join('\n')}\n`,
      env: { ...process.env, SANCTUARY_LINKAGE_SECRET: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; clusterId: string });
    expect(lines.map((l) => l.id)).toEqual(['r1', 'r2', 'r3']);
    expect(lines[0]!.clusterId).toBe(lines[1]!.clusterId);
    // Not a terminal: one summary line, no bar drawn.
    expect(r.stderr).toMatch(/^sanctuary link \(plain\): 3 records, .* clusters in [\d.]+ s\n$/);
    expect(existsSync('-')).toBe(false);
  });

  it('writes one line per input id; spellings of one person share a cluster', () => {
    const out = join(dir, 'out1.jsonl');
    const r = runLink(['--input', file('in1.jsonl', people), '--output', out]);
    expect(r.code).toBe(0);
    const lines = outputLines(out);
    expect(lines.map((l) => l.id)).toEqual(['r1', 'r2', 'r3']);
    expect(lines[0]!.clusterId).toBe(lines[1]!.clusterId);
    expect(lines[2]!.clusterId).not.toBe(lines[0]!.clusterId);
    expect(r.stderr).toMatch(/3 records, \d+ candidate pairs, \d+ links, 2 clusters/);
    expect(r.stderr).not.toContain('Филатьев');
  });

  it('reports bad lines by number without their content, skips them, and keeps one line per good id', () => {
    const out = join(dir, 'out2.jsonl');
    const input = file('in2.jsonl', [
      people[0]!,
      '{"id":"r9","givenName":"Секрет"',
      '[1,2]',
      people[1]!,
      '{"id":"r1","givenName":"дубль"}',
      `{"id":"r4","familyName":"${'я'.repeat(5000)}"}`,
      '',
    ]);
    const r = runLink(['--input', input, '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toContain('line 3: not a JSON object');
    expect(r.stderr).toContain('line 5: duplicate id');
    expect(r.stderr).toContain('line 6: "familyName" longer than 300 characters');
    expect(r.stderr).not.toContain('Секрет');
    expect(outputLines(out).map((l) => l.id)).toEqual(['r1', 'r2']);
  });

  it('with --strict, stops at the first bad line (exit 65) and writes nothing', () => {
    const out = join(dir, 'out3.jsonl');
    const r = runLink(['--input', file('in3.jsonl', [people[0]!, 'nope']), '--output', out, '--strict']);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('line 2');
    expect(existsSync(out)).toBe(false);
  });

  it('handles empty input and a line beyond the size limit', () => {
    const out = join(dir, 'out4.jsonl');
    expect(runLink(['--input', file('in4.jsonl', []), '--output', out]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
    const huge = `{"id":"big","notes":"${'x'.repeat(1_200_000)}"}`;
    const r = runLink(['--input', file('in5.jsonl', [huge, people[2]!]), '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 1: longer than');
    expect(outputLines(out).map((l) => l.id)).toEqual(['r3']);
  });

  it('explains why a record is in its cluster', () => {
    const r = runLink(['--input', file('in6.jsonl', people), '--explain', 'r2']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as { members: string[]; comparisons: { fields: { field: string }[] }[] };
    expect(e.members).toEqual(['r1']);
    expect(e.comparisons[0]!.fields.map((f) => f.field)).toContain('birthDate');
  });

  it('answers bad usage with exit 64 and a message', () => {
    expect(runLink([]).code).toBe(64);
    expect(runLink(['--input', 'x', '--output', 'y', '--mode', 'fuzzy']).stderr).toContain('--mode must be');
    const r = runLink([
      '--input',
      file('in7.jsonl', people),
      '--output',
      join(dir, 'o.jsonl'),
      '--mode',
      'private',
    ]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('SANCTUARY_LINKAGE_SECRET');
  });

  it('links in private mode with a secret from a file or the environment', () => {
    const secret = file('secret', ['ab'.repeat(32)]);
    const out = join(dir, 'out8.jsonl');
    const r = runLink([
      '--input',
      file('in8.jsonl', people),
      '--output',
      out,
      '--mode',
      'private',
      '--secret-file',
      secret,
    ]);
    expect(r.code).toBe(0);
    const lines = outputLines(out);
    expect(lines).toHaveLength(3);
    expect(lines[0]!.clusterId).toBe(lines[1]!.clusterId);
    const r2 = runLink(['--input', file('in9.jsonl', people), '--output', out, '--mode', 'private'], {
      SANCTUARY_LINKAGE_SECRET: 'cd'.repeat(32),
    });
    expect(r2.code).toBe(0);
  });
});
