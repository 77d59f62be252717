import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralsMessages } from '../src/modules/referrals/index.ts';
import { reportsMessages } from '../src/modules/reports/index.ts';
import { t as translate } from '../src/platform/i18n/index.ts';
import { buildTestApp, type Client, loginAs, type TestApp } from './support/app.ts';
import { buildCase, buildVettingSignal } from './support/factories.ts';
import { servedRoutes } from './support/routes.ts';

/**
 * Every staff page outside the case pages carries the same navigation, built from the
 * registry the modules fill when they are mounted (src/platform/ui/nav.ts): a coordinator sees
 * every entry, an admin every entry but the vetting queue, in the same order, on every page,
 * including the partner-token page, which had no navigation before (issue 13).
 */
let t: TestApp;
let coordinator: Client;
let admin: Client;
let signalId: string;

/** Every entry in the bar's order, with who sees it: c = coordinator, a = admin. */
const ALL: [string, string, 'c' | 'a' | 'ca'][] = [
  ['/staff', translate('en', 'staff.home'), 'ca'],
  // Notifications (issue 21 item 3): everybody; the unread count is left out below.
  ['/staff/notifications', 'Notifications', 'ca'],
  ['/staff/cases', translate('en', 'staff.cases'), 'ca'],
  // Family tracing (issue 20): staff who may write cases.
  ['/staff/tracing', 'Tracing', 'c'],
  // Contact codes of the high-assurance path (issue 20 item 6): coordinators and admins.
  ['/staff/high-assurance', 'Contact codes', 'ca'],
  ['/staff/vetting', translate('en', 'staff.vetting'), 'c'],
  // The referral network's directory (issue 14): coordinators, not admins.
  ['/staff/referrals', referralsMessages('en', 'referrals.nav'), 'c'],
  // Payments (issue 15): who requests, approves or pays.
  ['/staff/disbursements', 'Payments', 'ca'],
  ['/staff/admin', translate('en', 'staff.admin'), 'ca'],
  // Retention rules and legal holds (issue 18) and other servers (issue 14): administrators.
  ['/staff/admin/retention', 'Retention', 'a'],
  // The organisation's name, texts and intake questions (issue 21 item 5): administrators.
  ['/staff/organisation', 'Organisation', 'a'],
  ['/staff/federation', 'Other servers', 'a'],
  ['/staff/reports', reportsMessages('en', 'reports.nav'), 'ca'],
  // Public statistics releases are for admins only.
  ['/staff/reports/releases', reportsMessages('en', 'reports.releases.title'), 'a'],
  ['/staff/pathways/staleness', translate('en', 'staff.pathways_review'), 'ca'],
];

/** The links of the staff bar, its "signed in as" text and the sign-out form. */
function navOf(body: string): { links: string[]; rest: string } {
  const nav = /<nav aria-label="staff">(.*?)<\/nav>/s
    .exec(body)?.[1]
    ?.replace(/<span class="nav-count">[^<]*<\/span>/g, '');
  if (nav === undefined) return { links: [], rest: '' };
  return {
    links: [...nav.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]} ${m[2]}`),
    rest: nav.replace(/<a href="[^"]+">[^<]+<\/a>/g, ''),
  };
}

function expected(who: 'c' | 'a'): string[] {
  return ALL.filter(([, , seen]) => seen.includes(who)).map(([href, label]) => `${href}?lang=en ${label}`);
}

beforeAll(async () => {
  t = await buildTestApp();
  coordinator = (await loginAs(t, 'coordinator')).client;
  admin = (await loginAs(t, 'admin')).client;
  const a = await buildCase(t.ctx);
  const b = await buildCase(t.ctx);
  signalId = await buildVettingSignal(t.ctx, [a.id, b.id]);
}, 120_000);
afterAll(async () => t.close());

describe('the staff navigation on every page outside the case pages', () => {
  it('shows a coordinator every entry, in order, then who is signed in and sign out', async () => {
    const pages = [
      '/staff',
      '/staff/admin',
      '/staff/vetting',
      `/staff/vetting/signals/${signalId}`,
      '/staff/vetting/watchlists',
      '/staff/pathways/staleness',
    ];
    for (const page of pages) {
      const res = await coordinator.get(`${page}?lang=en`);
      expect(res.statusCode, page).toBe(200);
      const nav = navOf(res.body);
      expect(nav.links, page).toEqual(expected('c'));
      expect(nav.rest, page).toMatch(
        /<span>.*@.*<\/span> <form method="post" action="\/staff\/logout\?lang=en"/,
      );
      expect(nav.rest, page).toContain(`<button type="submit">${translate('en', 'staff.sign_out')}</button>`);
    }
  });

  it('shows an admin its entries on the partner-token page as on the others', async () => {
    const mine = expected('a');
    for (const page of ['/staff', '/staff/admin', '/staff/pathways/staleness', '/staff/intake/partners']) {
      const res = await admin.get(`${page}?lang=en`);
      expect(res.statusCode, page).toBe(200);
      expect(navOf(res.body).links, page).toEqual(mine);
    }
  });

  it('shows no navigation on the sign-in page', async () => {
    const res = await coordinator.get('/staff/login?lang=en');
    expect(navOf(res.body).links).toEqual([]);
  });
});

describe('every staff page is reachable from the navigation (issue 21 item 4)', () => {
  it('links every GET page under /staff from the bar or from a page reachable from it', async () => {
    const gets = (await servedRoutes(t.app, ['/staff']))
      .filter((r) => r.startsWith('GET '))
      .map((r) => r.slice(4));
    const served = gets.filter((r) => !r.includes(':'));
    const patterns = gets.map((r) => new RegExp(`^${r.replace(/:[A-Za-z]+/g, '[^/]+')}$`));
    const finance = (await loginAs(t, 'finance_officer')).client;
    // Not pages: the sign-in page (signed out), a machine document and downloads linked as files.
    const notPages = new Set(['/staff/login', '/staff/api/openapi.json']);
    const reached = new Set<string>();
    for (const client of [coordinator, admin, finance]) {
      const queue = ['/staff'];
      const seen = new Set(queue);
      while (queue.length > 0 && seen.size < 200) {
        const path = queue.shift()!;
        const res = await client.get(`${path}?lang=en`);
        if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/html')) continue;
        reached.add(path);
        for (const m of res.body.matchAll(/href="(\/staff[^"?#]*)/g)) {
          const next = m[1]!;
          // Every page the app serves is walked, those with a parameter (a case) too; not downloads.
          if (seen.has(next) || next.endsWith('.csv') || next.endsWith('.pdf')) continue;
          if (!patterns.some((r) => r.test(next))) continue;
          seen.add(next);
          queue.push(next);
        }
      }
    }
    const unreached = served.filter((p) => !notPages.has(p) && !reached.has(p) && !p.endsWith('.csv'));
    expect(unreached).toEqual(ROLE_PAGES.filter((p) => served.includes(p)));
  });
});

/**
 * Pages this walk (a coordinator, an admin and a finance officer, holding no case) does not
 * reach (the payment request forms are linked from the payments pages, asking for the case
 * first, so the walk reaches them): the referral vetting
 * page is for vetting officers; the evidence key for evidence officers (linked from the
 * evidence pages); the list of units and commanders across cases is linked from a case's
 * evidence page (the walk holds no case); the organisation's previews are linked from its page only
 * while a draft exists (none here); the partner's own page is the partner's home. Listed so
 * that any new unreachable page fails this test.
 */
const ROLE_PAGES = [
  '/staff/evidence/key',
  '/staff/evidence/units',
  '/staff/organisation/preview',
  '/staff/organisation/preview/privacy',
  '/staff/partner',
  '/staff/referrals/vetting',
];
