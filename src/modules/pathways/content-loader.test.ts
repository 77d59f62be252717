import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultContentDir,
  findStaleFacts,
  type KnowledgeBase,
  loadKnowledgeBase,
  PathwaysContentError,
} from './content-loader.ts';
import { testToday } from './pathways.fixtures.ts';

describe('pathways content (CI)', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await loadKnowledgeBase();
  });

  it('is valid against the schemas, with every reference resolved', () => {
    expect(kb.options.length).toBeGreaterThan(20);
    expect(kb.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('covers every country and topic the issue lists', () => {
    const countries = new Set(kb.options.map((o) => o.country));
    for (const code of [
      'KZ',
      'KG',
      'UZ',
      'AM',
      'GE',
      'TR',
      'RS',
      'MN',
      'AE',
      'IL',
      'DE',
      'FR',
      'EE',
      'LV',
      'LT',
    ]) {
      expect(countries, code).toContain(code);
    }
    for (const code of ['PL', 'FI', 'NO', 'EU', 'US', 'RU', 'UA', 'BY'])
      expect(countries, code).toContain(code);
    const kinds = new Set(kb.options.map((o) => o.kind));
    for (const kind of [
      'transit',
      'stay',
      'asylum',
      'humanitarian_visa',
      'parole',
      'alternative_service',
      'surrender',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    for (const id of ['ru.art328', 'ru.art337', 'ru.art338', 'ru.art339', 'ua.gc3-pow', 'ua.want-to-live']) {
      expect(kb.facts.has(id), id).toBe(true);
    }
  });

  it('sources every fact, with a reviewed date and a confidence level', () => {
    // "Not in the future" is judged against the real clock: testToday fixes the evaluation day
    // of scenarios, and content reviewed after it is still valid content.
    const now = new Date().toISOString().slice(0, 10);
    for (const fact of kb.facts.values()) {
      expect(fact.sources.length, fact.id).toBeGreaterThan(0);
      for (const s of fact.sources)
        expect(kb.sources.get(s)?.url, `${fact.id} -> ${s}`).toMatch(/^https?:\/\//);
      expect(fact.reviewed <= now, `${fact.id} reviewed in the future`).toBe(true);
      expect(['low', 'medium', 'high']).toContain(fact.confidence);
      expect(fact.text.en.length).toBeGreaterThan(10);
      expect(fact.text.ru.length).toBeGreaterThan(10);
    }
    for (const source of kb.sources.values()) {
      expect(source.accessed <= now, source.id).toBe(true);
    }
  });

  it('gives every option at least one fact with a source behind its rules', () => {
    for (const o of kb.options) {
      for (const rule of [...o.eligibility, ...o.risks])
        expect(rule.facts.length, rule.id).toBeGreaterThan(0);
      expect(o.baseRisk.facts.length).toBeGreaterThan(0);
    }
  });

  it('hashes the same files to the same version', async () => {
    const again = await loadKnowledgeBase();
    expect(again.version).toBe(kb.version);
  });
});

describe('findStaleFacts', () => {
  it('lists nothing right after a review', async () => {
    const kb = await loadKnowledgeBase();
    expect(findStaleFacts(kb, testToday)).toEqual([]);
  });

  it('lists facts older than 90 days, oldest first, with who cites them', async () => {
    const kb = await loadKnowledgeBase();
    const stale = findStaleFacts(kb, '2027-03-01');
    const reviewedBefore = [...kb.facts.values()].filter((f) => f.reviewed < '2026-12-01').length;
    expect(stale.length).toBe(reviewedBefore);
    const zhilin = stale.find((s) => s.id === 'kz.zhilin-deported');
    expect(zhilin?.ageDays).toBe(99);
    expect(zhilin?.citedBy).toContain('kz-stay');
    expect(zhilin?.citedBy).toContain('warn.wanted-cis');
  });

  it('honours a custom window', async () => {
    const kb = await loadKnowledgeBase();
    expect(findStaleFacts(kb, '2027-03-01', 120)).toEqual([]);
    const newest = [...kb.facts.values()].reduce((d, f) => (f.reviewed > d ? f.reviewed : d), '');
    const dayAfter = new Date(Date.parse(`${newest}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(findStaleFacts(kb, dayAfter, 0).length).toBe(kb.facts.size);
  });
});

describe('the loader rejects broken content', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function copyContent(): Promise<string> {
    dir = await mkdtemp(path.join(tmpdir(), 'pathways-'));
    await cp(defaultContentDir, dir, { recursive: true });
    return dir;
  }

  async function edit(file: string, change: (text: string) => string): Promise<void> {
    const p = path.join(dir as string, file);
    const before = await readFile(p, 'utf8');
    const after = change(before);
    // A mutation that silently does nothing would make the test pass for the wrong reason.
    if (after === before) throw new Error(`mutation of ${file} did not apply`);
    await writeFile(p, after);
  }

  async function issuesOf(root: string): Promise<string[]> {
    try {
      await loadKnowledgeBase(root);
    } catch (err) {
      if (err instanceof PathwaysContentError) return [...err.issues];
      throw err;
    }
    return [];
  }

  it('accepts an unmodified copy and changes the version when a file changes', async () => {
    const root = await copyContent();
    const before = await loadKnowledgeBase(root);
    await edit('countries/kz.yaml', (t) => `${t}\n# reviewed again\n`);
    const after = await loadKnowledgeBase(root);
    expect(after.version).not.toBe(before.version);
  });

  it('reports a rule that references an unknown option', async () => {
    const root = await copyContent();
    await edit('countries/il.yaml', (t) =>
      t.replace('when: { is: lawOfReturnEligible }', 'when: { option: no-such-option }'),
    );
    expect(await issuesOf(root)).toContainEqual(expect.stringContaining('unknown option "no-such-option"'));
  });

  it('reports a dead fact reference and an unknown predicate', async () => {
    const root = await copyContent();
    await edit('countries/kz.yaml', (t) =>
      t.replace('facts: [kz.90-180, kz.zhilin-deported]', 'facts: [kz.90-180, kz.no-such-fact]'),
    );
    await edit('countries/ge.yaml', (t) => t.replace('when: { ref: wanted-or-case }', 'when: { ref: nope }'));
    const issues = await issuesOf(root);
    expect(issues).toContainEqual(expect.stringContaining('unknown fact "kz.no-such-fact"'));
    expect(issues).toContainEqual(expect.stringContaining('unknown predicate "nope"'));
  });

  it('reports a fact without a source, and an unknown source', async () => {
    const root = await copyContent();
    await edit('countries/mn.yaml', (t) => t.replace('sources: [tvn24-mongolia-2022]', 'sources: []'));
    await edit('countries/tr.yaml', (t) =>
      t.replace(
        'sources: [mt-turkey-permits-2023, scf-turkey-permits-2023]',
        'sources: [mt-turkey-permits-2023, ghost]',
      ),
    );
    const issues = await issuesOf(root);
    expect(issues.some((i) => i.includes('countries/mn.yaml') && i.includes('sources'))).toBe(true);
    expect(issues).toContainEqual(expect.stringContaining('unknown source "ghost"'));
  });

  it('reports a source that nothing cites', async () => {
    const root = await copyContent();
    await edit('sources.yaml', (t) =>
      t.replace(
        'sources:\n',
        'sources:\n  - id: unused-source\n    title: "Never cited"\n    publisher: "Nobody"\n    url: https://example.org/\n    accessed: 2026-11-22\n',
      ),
    );
    expect(await issuesOf(root)).toContainEqual(
      expect.stringContaining('source "unused-source" is never cited'),
    );
  });

  it('reports a rule that would make a document count against a person', async () => {
    const root = await copyContent();
    await edit('countries/ge.yaml', (t) =>
      t.replace('when: { has: foreign_passport }', 'when: { not: { has: internal_passport } }'),
    );
    expect(await issuesOf(root)).toContainEqual(expect.stringContaining('a document may only ever help'));
  });

  it('reports a "do not go" rule that a document would trigger, and an unknown rule scope', async () => {
    const root = await copyContent();
    // Holding a passport must never make a route "do not go" (ADR 0033, 0098).
    await edit('countries/by.yaml', (t) =>
      t.replace('when: { always: true }', 'when: { has: foreign_passport }'),
    );
    await edit('countries/ge.yaml', (t) => t.replace('scope: entry', 'scope: sometimes'));
    const issues = await issuesOf(root);
    expect(issues).toContainEqual(expect.stringMatching(/by\.do-not-go: a document may only ever help/));
    expect(issues.some((i) => i.startsWith('countries/ge.yaml') && i.includes('scope'))).toBe(true);
  });

  it('reports option references that form a cycle', async () => {
    const root = await copyContent();
    await edit('countries/tr.yaml', (t) =>
      t.replace('when: { has: foreign_passport }', 'when: { option: rs-stay }'),
    );
    await edit('countries/rs.yaml', (t) =>
      t.replace('when: { has: foreign_passport }', 'when: { option: tr-stay }'),
    );
    expect(await issuesOf(root)).toContainEqual(expect.stringContaining('option references form a cycle'));
  });

  it('reports unknown keys, bad enums and YAML syntax errors with the file name', async () => {
    const root = await copyContent();
    await edit('countries/ae.yaml', (t) => t.replace('kind: stay', 'kind: holiday'));
    await edit('countries/uz.yaml', (t) => t.replace('typicalDays: 3', 'typicalDays: 3\n    colour: blue'));
    await edit('countries/mn.yaml', (t) => `${t}\n  - [unclosed\n`);
    const issues = await issuesOf(root);
    expect(issues.some((i) => i.startsWith('countries/ae.yaml') && i.includes('kind'))).toBe(true);
    expect(issues.some((i) => i.startsWith('countries/uz.yaml') && i.includes('colour'))).toBe(true);
    expect(issues.some((i) => i.startsWith('countries/mn.yaml') && i.includes('YAML'))).toBe(true);
  });

  it('reports a missing required country', async () => {
    const root = await copyContent();
    await rm(path.join(root, 'countries/mn.yaml'));
    const issues = await issuesOf(root);
    expect(issues).toContainEqual(expect.stringContaining('required coverage MN has no option'));
  });
});
