import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { addStaffNav, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { requireStaff } from '../auth/staff-session.ts';
import { canSeeContentStaleness } from './pathways.policy.ts';
import { getStalenessReport } from './pathways.service.ts';
import { StalenessPageView } from './pathways.staff-views.tsx';

/**
 * Staff pages of the pathways module, under /staff/pathways (registered in the /staff scope:
 * sealed → 503, session loaded, CSRF checked on POST). Every route here has an entry in
 * pathways.routes.matrix.test.ts.
 */
export async function pathwaysStaffRoutes(app: FastifyInstance, _ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/pathways/staleness',
    label: 'staff.pathways_review',
    visible: canSeeContentStaleness,
    order: 50,
  });

  app.get('/staff/pathways/staleness', async (request, reply) => {
    const report = await getStalenessReport(requireStaff(request), request.locale);
    return sendHtml(
      reply,
      200,
      <StalenessPageView frame={await staffFrame(request, reply)} report={report} />,
    );
  });
}
