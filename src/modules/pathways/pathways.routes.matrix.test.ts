import { describe, expect, it } from 'vitest';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import type { StaffActor } from '../../access/index.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { findFactsDueSoon, findStaleFacts } from './content-loader.ts';
import { getKnowledgeBase } from './knowledge.ts';
import { getStalenessReport } from './pathways.service.ts';

/**
 * The authorisation matrix of the pathways module's staff pages (/staff/pathways): every route
 * × every role. No case is involved, so there is no own/other/missing axis. Allowed cells answer
 * 200; refused ones 404 (401 without a session) and leave the database as it was. The route
 * list comes from the running app, so a route added under /staff/pathways without an entry
 * here fails the first test.
 */
const matrix = describeMatrix<object, 'none'>({
  title: 'authorisation matrix of /staff/pathways',
  served: (t) => routesUnder(t, ['/staff/pathways']),
  routes: {
    'GET /staff/pathways/staleness': {
      allowed: (role: MatrixRole) => role === 'coordinator' || role === 'admin',
    },
  },
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200],
  fixture: async () => ({}),
  url: (path) => path,
});
const clients = { get: (role: MatrixRole) => matrix.current.sessions.get(role)!.client };

describe('the content staleness report', () => {
  it('is linked from the staff navigation for coordinators and admins only', async () => {
    for (const role of STAFF_ROLES) {
      const home = await clients.get(role)!.get('/staff?lang=en');
      const linked = home.body.includes('href="/staff/pathways/staleness?lang=en"');
      expect(linked, role).toBe(role === 'coordinator' || role === 'admin');
    }
    const queue = await clients.get('coordinator')!.get('/staff/cases?lang=en');
    expect(queue.body).toContain('href="/staff/pathways/staleness?lang=en"');
  });

  it('shows the content version and, today, the facts past their review window', async () => {
    const kb = await getKnowledgeBase();
    // The page reads the day itself: the day before and after the request bracket it, so a run
    // crossing midnight still knows what the page must show.
    const before = new Date().toISOString().slice(0, 10);
    const res = await clients.get('coordinator')!.get('/staff/pathways/staleness?lang=en');
    const after = new Date().toISOString().slice(0, 10);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<code id="content-version">${kb.version}</code>`);
    // A fact stale the day before is stale the day after; none stale after means none on the page.
    const stale = findStaleFacts(kb, before, kb.meta.staleAfterDays);
    if (findStaleFacts(kb, after, kb.meta.staleAfterDays).length === 0) {
      expect(res.body).toContain('Every fact was reviewed within the last 90 days.');
    }
    for (const f of stale) expect(res.body).toContain(`id="fact-${f.id}"`);
    expect(res.body).toContain('id="due-soon-h"');
    const dueAfter = new Set(
      findFactsDueSoon(kb, after, kb.meta.dueSoonDays, kb.meta.staleAfterDays).map((d) => d.id),
    );
    for (const d of findFactsDueSoon(kb, before, kb.meta.dueSoonDays, kb.meta.staleAfterDays)) {
      if (dueAfter.has(d.id)) expect(res.body).toContain(`id="due-${d.id}"`);
    }
    const ru = await clients.get('admin')!.get('/staff/pathways/staleness?lang=ru');
    expect(ru.body).toContain('База знаний: факты, которые пора перепроверить');
  });

  it('lists stale facts oldest first, with the routes that rest on them and their sources', async () => {
    const kb = await getKnowledgeBase();
    const coordinator: StaffActor = {
      kind: 'staff',
      id: '00000000-0000-4000-8000-000000000001',
      role: 'coordinator',
      sessionHash: Buffer.alloc(32),
    };
    const later = await getStalenessReport(coordinator, 'en', '2028-01-01');
    expect(later.facts.length).toBe(kb.facts.size);
    expect(later.dueSoon).toEqual([]);
    expect(later.staleAfterDays).toBe(90);
    for (let i = 1; i < later.facts.length; i += 1) {
      expect(later.facts[i - 1]!.ageDays).toBeGreaterThanOrEqual(later.facts[i]!.ageDays);
    }
    const zhilin = later.facts.find((f) => f.id === 'kz.zhilin-deported');
    expect(zhilin?.citedBy.map((c) => c.id)).toContain('kz-stay');
    expect(zhilin?.sources.length).toBeGreaterThan(0);
    expect(zhilin?.sources[0]?.url).toMatch(/^https?:\/\//);
    expect(later.options.length).toBe(kb.options.length);
    // One day inside the window: nothing is stale.
    const newest = [...kb.facts.values()].reduce((d, f) => (f.reviewed > d ? f.reviewed : d), '');
    const fresh = await getStalenessReport(coordinator, 'en', newest);
    expect(fresh.facts.filter((f) => f.reviewed === newest)).toEqual([]);
    // In December 2026 the agenda ahead names Finland's border law, which ends on 31 December.
    const december = await getStalenessReport(coordinator, 'en', '2026-12-06');
    expect(december.dueSoonDays).toBe(30);
    expect(december.dueSoon.find((d) => d.id === 'fi.pushback-law-2024')).toMatchObject({
      reason: 'expires',
      dueOn: '2026-12-31',
      daysLeft: 25,
    });
    await expect(
      getStalenessReport({ ...coordinator, role: 'caseworker' }, 'en', '2027-06-01'),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
