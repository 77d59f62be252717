import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { servedRoutes } from '../../../test/support/routes.ts';
import type { StaffActor } from '../../access/index.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { findFactsDueSoon, findStaleFacts } from './content-loader.ts';
import { getKnowledgeBase } from './knowledge.ts';
import { getStalenessReport } from './pathways.service.ts';

/**
 * The authorisation matrix of the pathways module's staff pages (/staff/pathways): every route
 * × every role. No case is involved, so there is no own/other/missing axis. Allowed cells answer
 * 200; refused ones 404 and leave the database as it was. The route list comes from the running
 * app, so a route added under /staff/pathways without an entry here fails the first test.
 */
const MATRIX: Record<string, { allowed: (role: StaffRoleName) => boolean }> = {
  'GET /staff/pathways/staleness': { allowed: (role) => role === 'coordinator' || role === 'admin' },
};

let t: TestApp;
const clients = new Map<StaffRoleName, Client>();

beforeAll(async () => {
  t = await buildTestApp();
  for (const role of STAFF_ROLES) clients.set(role, await signInClient(t.app, await buildStaff(t.ctx, role)));
}, 300_000);
afterAll(async () => t.close());

async function snapshot(): Promise<string> {
  const parts: string[] = [];
  for (const table of ['audit_log', 'staff_sessions', 'cases', 'case_pathway_checks']) {
    const r = await sql<{
      h: string | null;
    }>`select md5(string_agg(x::text, ',' order by x::text)) as h from ${sql.table(table)} x`.execute(
      t.ctx.database.db,
    );
    parts.push(`${table}:${r.rows[0]?.h ?? ''}`);
  }
  return parts.join('|');
}

describe('authorisation matrix of /staff/pathways', () => {
  it('has an entry for every route the app serves under /staff/pathways', async () => {
    expect(await servedRoutes(t.app, ['/staff/pathways'])).toEqual(Object.keys(MATRIX).sort());
  });

  const cells = Object.keys(MATRIX).flatMap((route) => STAFF_ROLES.map((role) => ({ route, role })));

  it.each(cells)('$route as $role', async ({ route, role }) => {
    const path = route.split(' ')[1]!;
    const before = await snapshot();
    const res = await clients.get(role)!.get(`${path}?lang=en`);
    if (MATRIX[route]!.allowed(role)) {
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    } else {
      expect(res.statusCode).toBe(404);
      expect(await snapshot()).toBe(before);
    }
  });

  it('answers 401 without a session', async () => {
    expect((await new Client(t.app).get('/staff/pathways/staleness')).statusCode).toBe(401);
  });
});

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
    const res = await clients.get('coordinator')!.get('/staff/pathways/staleness?lang=en');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<code id="content-version">${kb.version}</code>`);
    const today = new Date().toISOString().slice(0, 10);
    const stale = findStaleFacts(kb, today, kb.meta.staleAfterDays);
    if (stale.length === 0) expect(res.body).toContain('Every fact was reviewed within the last 90 days.');
    else for (const f of stale) expect(res.body).toContain(`id="fact-${f.id}"`);
    expect(res.body).toContain('id="due-soon-h"');
    for (const d of findFactsDueSoon(kb, today, kb.meta.dueSoonDays, kb.meta.staleAfterDays)) {
      expect(res.body).toContain(`id="due-${d.id}"`);
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
