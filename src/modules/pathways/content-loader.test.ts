import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testToday } from '../../../test/support/pathways-fixtures.ts';
import {
  defaultContentDir,
  findFactsDueSoon,
  findStaleFacts,
  type KnowledgeBase,
  loadKnowledgeBase,
  PathwaysContentError,
} from './content-loader.ts';
import type { Fact } from './pathways.schemas.ts';

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

  it('lists facts older than their review interval, oldest first, with who cites them', async () => {
    const kb = await loadKnowledgeBase();
    // Every interval is at most 365 days and every fact was reviewed in late 2026.
    expect(findStaleFacts(kb, '2028-01-01').length).toBe(kb.facts.size);
    const stale = findStaleFacts(kb, '2027-03-01');
    const repression = stale.find((s) => s.id === 'ru.transnational-repression');
    expect(repression?.ageDays).toBe(99);
    expect(repression?.reviewEveryDays).toBe(90);
    expect(repression?.citedBy).toContain('kz-stay');
    expect(repression?.citedBy).toContain('warn.wanted-cis');
    for (let i = 1; i < stale.length; i += 1) {
      expect(stale[i - 1]!.ageDays).toBeGreaterThanOrEqual(stale[i]!.ageDays);
    }
  });

  it('honours a custom window for facts without an interval of their own', async () => {
    const kb = await loadKnowledgeBase();
    const own = (id: string) => kb.facts.get(id)?.reviewEveryDays !== undefined;
    expect(findStaleFacts(kb, '2027-03-01', 120).filter((f) => !own(f.id))).toEqual([]);
    const newest = [...kb.facts.values()].reduce((d, f) => (f.reviewed > d ? f.reviewed : d), '');
    const dayAfter = new Date(Date.parse(`${newest}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const withoutOwn = [...kb.facts.values()].filter((f) => f.reviewEveryDays === undefined).length;
    expect(findStaleFacts(kb, dayAfter, 0).filter((f) => !own(f.id)).length).toBe(withoutOwn);
  });
});

describe('review intervals and end dates (ADR 0100)', () => {
  /** The real knowledge base with some facts changed; nothing is written to disk. */
  async function withFacts(edits: Record<string, Partial<Fact>>): Promise<KnowledgeBase> {
    const kb = await loadKnowledgeBase();
    const facts = new Map(kb.facts);
    for (const [id, edit] of Object.entries(edits)) {
      const fact = facts.get(id);
      if (fact === undefined) throw new Error(`no fact ${id}`);
      facts.set(id, { ...fact, ...edit });
    }
    return { ...kb, facts };
  }

  it('judges a fact by its own review interval instead of the default', async () => {
    const kb = await withFacts({
      'kz.zhilin-deported': { reviewed: '2026-12-01', reviewEveryDays: 30, expires: undefined },
      'am.setrakov-rendition': { reviewed: '2026-12-01', reviewEveryDays: 180, expires: undefined },
      'ru.get-lost': { reviewed: '2026-12-01', reviewEveryDays: undefined, expires: undefined },
    });
    const ids = (today: string) => new Set(findStaleFacts(kb, today).map((f) => f.id));
    // Day 30 is the last day of a 30-day interval; day 31 is past it.
    expect(ids('2026-12-31').has('kz.zhilin-deported')).toBe(false);
    expect(ids('2027-01-01').has('kz.zhilin-deported')).toBe(true);
    expect(findStaleFacts(kb, '2027-01-01').find((f) => f.id === 'kz.zhilin-deported')?.reviewEveryDays).toBe(
      30,
    );
    // 100 days on: the default (90) has run out, the 180-day interval has not.
    expect(ids('2027-03-11').has('ru.get-lost')).toBe(true);
    expect(ids('2027-03-11').has('am.setrakov-rendition')).toBe(false);
    expect(ids('2027-05-31').has('am.setrakov-rendition')).toBe(true);
  });

  it('lists what falls due within the window, soonest first, and leaves out what is already stale', async () => {
    const kb = await withFacts({
      'kz.zhilin-deported': { reviewed: '2026-12-01', reviewEveryDays: 30, expires: undefined },
      'am.setrakov-rendition': { reviewed: '2026-12-01', reviewEveryDays: 20, expires: undefined },
      'ru.get-lost': { reviewed: '2026-12-01', reviewEveryDays: 365, expires: '2027-01-05' },
    });
    const due = findFactsDueSoon(kb, '2026-12-10', 30).filter((d) =>
      ['kz.zhilin-deported', 'am.setrakov-rendition', 'ru.get-lost'].includes(d.id),
    );
    expect(due.map((d) => [d.id, d.reason, d.dueOn, d.daysLeft])).toEqual([
      ['am.setrakov-rendition', 'review', '2026-12-21', 11],
      ['kz.zhilin-deported', 'review', '2026-12-31', 21],
      ['ru.get-lost', 'expires', '2027-01-05', 26],
    ]);
    const all = findFactsDueSoon(kb, '2026-12-10', 30);
    for (let i = 1; i < all.length; i += 1) expect(all[i - 1]!.dueOn <= all[i]!.dueOn).toBe(true);
    // On 2026-12-22 the 20-day interval has run out: stale, so no longer "due soon".
    expect(findFactsDueSoon(kb, '2026-12-22', 30).some((d) => d.id === 'am.setrakov-rendition')).toBe(false);
    expect(findStaleFacts(kb, '2026-12-22').some((f) => f.id === 'am.setrakov-rendition')).toBe(true);
    // Outside the window: not listed.
    expect(findFactsDueSoon(kb, '2026-12-10', 5).some((d) => d.id === 'ru.get-lost')).toBe(false);
  });

  it('makes a fact stale the day after its end date, however recently it was reviewed', async () => {
    const kb = await withFacts({
      'ru.get-lost': { reviewed: '2026-12-30', reviewEveryDays: 365, expires: '2026-12-31' },
    });
    expect(findStaleFacts(kb, '2026-12-31').some((f) => f.id === 'ru.get-lost')).toBe(false);
    const after = findStaleFacts(kb, '2027-01-01').find((f) => f.id === 'ru.get-lost');
    expect(after).toMatchObject({ expired: true, expires: '2026-12-31', ageDays: 2 });
  });

  it("lists Finland's border law, which ends on 31 December 2026, in December's agenda", async () => {
    const kb = await loadKnowledgeBase();
    expect(kb.facts.get('fi.pushback-law-2024')?.expires).toBe('2026-12-31');
    const due = findFactsDueSoon(kb, '2026-12-06', kb.meta.dueSoonDays, kb.meta.staleAfterDays);
    expect(due.find((d) => d.id === 'fi.pushback-law-2024')).toMatchObject({
      reason: 'expires',
      dueOn: '2026-12-31',
      daysLeft: 25,
    });
    expect(due.find((d) => d.id === 'fi.pushback-law-2024')?.citedBy).toContain('fi-asylum');
    const january = findStaleFacts(kb, '2027-01-01', kb.meta.staleAfterDays);
    expect(january.find((f) => f.id === 'fi.pushback-law-2024')?.expired).toBe(true);
  });

  it('spreads review dates: no day on which a quarter of the facts fall due', async () => {
    const kb = await loadKnowledgeBase();
    const dueDays = new Map<string, number>();
    for (const fact of kb.facts.values()) {
      const interval = fact.reviewEveryDays ?? kb.meta.staleAfterDays;
      const day = new Date(Date.parse(`${fact.reviewed}T00:00:00Z`) + interval * 86_400_000)
        .toISOString()
        .slice(0, 10);
      dueDays.set(day, (dueDays.get(day) ?? 0) + 1);
    }
    const largest = Math.max(...dueDays.values());
    expect(largest, JSON.stringify([...dueDays])).toBeLessThan(kb.facts.size / 4);
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
        'sources: [tr-consulate-kazan-2013, mt-turkey-permits-2023, scf-turkey-permits-2023]',
        'sources: [tr-consulate-kazan-2013, ghost]',
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
