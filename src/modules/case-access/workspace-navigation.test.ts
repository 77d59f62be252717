import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type Client, loginAs, type TestApp } from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { t as translate } from '../../platform/i18n/index.ts';

/**
 * The pages under /staff/cases (case core, case access, case pathways) carry the full staff
 * navigation of the kit's registry, Vetting included, which the workspace's own bar lacked
 * (issue 13), with the workspace navigation below it.
 */
let t: TestApp;
let coordinator: Client;
let ref: string;

beforeAll(async () => {
  t = await buildTestApp();
  const login = await loginAs(t, 'coordinator');
  coordinator = login.client;
  const team = await buildTeam(t.ctx, { name: 'Nav team', members: [login.staff.id] });
  ({ ref } = await buildCase(t.ctx, { teamId: team }));
}, 120_000);
afterAll(async () => t.close());

/** A coordinator's entries, in order: catalogue keys, or (for modules with their own catalogues) the English label. */
const ALL = [
  ['/staff', 'staff.home'],
  ['/staff/notifications', 'Notifications'],
  ['/staff/cases', 'staff.cases'],
  ['/staff/tracing', 'Tracing'],
  ['/staff/high-assurance', 'Contact codes'],
  ['/staff/vetting', 'staff.vetting'],
  ['/staff/referrals', 'Partners'],
  ['/staff/disbursements', 'Payments'],
  ['/staff/admin', 'staff.admin'],
  ['/staff/reports', 'Reports'],
  ['/staff/pathways/staleness', 'staff.pathways_review'],
] as const;

function staffLinks(body: string): string[] {
  // The unread count beside "Notifications" (issue 21 item 3) is left out.
  const nav = (/<nav aria-label="staff">(.*?)<\/nav>/s.exec(body)?.[1] ?? '').replace(
    /<span class="nav-count">[^<]*<\/span>/g,
    '',
  );
  return [...nav.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]} ${m[2]}`);
}

describe('the staff navigation on the case pages', () => {
  it('shows a coordinator every entry, Vetting included, on workspace, access and pathways pages', async () => {
    const expected = ALL.map(
      ([href, key]) =>
        `${href}?lang=en ${key.startsWith('staff.') ? translate('en', key as 'staff.home') : key}`,
    );
    for (const page of [
      '/staff/cases',
      '/staff/cases/due',
      '/staff/cases/approvals',
      '/staff/cases/teams',
      `/staff/cases/${ref}`,
      `/staff/cases/${ref}/pathways`,
    ]) {
      const res = await coordinator.get(`${page}?lang=en`);
      expect(res.statusCode, page).toBe(200);
      expect(staffLinks(res.body), page).toEqual(expected);
      expect(res.body, page).toContain('class="workspace"');
    }
  });
});
