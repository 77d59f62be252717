import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { REPORT_SOURCES } from '../reports/index.ts';
import { ArrivalCounter, arrivalCounts, isoWeekStart } from './index.ts';

describe('isoWeekStart', () => {
  it('is the Monday of the ISO week, in UTC', () => {
    expect(isoWeekStart(new Date('2026-12-06T23:59:00Z'))).toBe('2026-11-30'); // a Sunday
    expect(isoWeekStart(new Date('2026-11-30T00:00:00Z'))).toBe('2026-11-30'); // a Monday
    expect(isoWeekStart(new Date('2027-01-01T12:00:00Z'))).toBe('2026-12-28');
  });
});

describe('counting arrivals through campaign codes', () => {
  let t: TestApp;
  // The app's clock, pinned to the last second of a Sunday: the run may cross into Monday at
  // any moment on a real clock, which split the counts over two weeks (ADR 0207).
  let now = Date.parse('2026-12-06T23:59:59.000Z');
  beforeAll(async () => {
    t = await buildTestApp({ clock: () => now });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts the code, redirects to the page without it, and keeps it nowhere but the weekly count', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/?c=spring-26&lang=ru' });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/?lang=ru');
    expect(JSON.stringify(first.headers)).not.toContain('spring-26');
    await t.app.inject({ method: 'GET', url: '/?c=spring-26' });
    now = Date.parse('2026-12-07T00:00:00.000Z'); // Monday: a new week
    await t.app.inject({ method: 'GET', url: '/?c=mirror-a' });
    // Hostile codes are dropped, never counted or echoed.
    const bad = await t.app.inject({
      method: 'GET',
      url: `/?c=${encodeURIComponent('<x>"; drop table')}&lang=en`,
    });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toBe('/?lang=en');
    const page = await t.app.inject({ method: 'GET', url: '/?lang=ru' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('spring-26');
    await t.app.close(); // flushes the counts
    const rows = await arrivalCounts(t.ctx.database.db);
    expect(rows).toEqual([
      { code: 'mirror-a', week: '2026-12-07', arrivals: 1 },
      { code: 'spring-26', week: '2026-11-30', arrivals: 2 },
    ]);
    expect(t.logs()).not.toContain('spring-26');
  });

  it('adds to the stored counts, keeps counts a failed flush could not write, and caps distinct codes', async () => {
    const db = t.ctx.database.db;
    const counter = new ArrivalCounter();
    const at = new Date('2026-10-07T10:00:00Z');
    counter.add('spring-26', at);
    await counter.flush(db);
    const [row] = await arrivalCounts(db, { from: '2026-10-05', to: '2026-10-05' });
    expect(row).toEqual({ code: 'spring-26', week: '2026-10-05', arrivals: 1 });
    counter.add('spring-26', at);
    const broken = {
      insertInto: () => {
        throw new Error('database is busy');
      },
    } as never;
    await expect(counter.flush(broken)).rejects.toThrow('busy');
    expect(counter.pending).toBe(1);
    for (let i = 0; i < 250; i++) counter.add(`c${i}`, at);
    await counter.flush(db);
    const week = await arrivalCounts(db, { from: '2026-10-05', to: '2026-10-05' });
    expect(week.find((r) => r.code === 'spring-26')?.arrivals).toBe(2);
    expect(week.find((r) => r.code === 'other')?.arrivals).toBe(51);
    expect(week.length).toBe(201);
  });

  it('reach the reports dashboard as one table of counts per code, summed over the period', async () => {
    const source = REPORT_SOURCES.find((r) => r.id === 'outreach');
    const query = { period: { from: '2026-10-01', to: '2026-11-01' }, asOf: '2026-10-31' };
    const [table] = (await source?.tables(t.ctx.database.db, query)) ?? [];
    expect(table).toMatchObject({ kind: 'count', id: 'arrivals', byTeam: false });
    const cells = table?.kind === 'count' ? table.cells : [];
    expect(cells.find((c) => c.key === 'spring-26')).toEqual({
      team: null,
      key: 'spring-26',
      value: 2,
      people: 2,
    });
    // The weeks of 2026-11-30 and 2026-12-07 (the first test's arrivals) are outside the period.
    expect(cells.find((c) => c.key === 'mirror-a')).toBeUndefined();
  });
});
