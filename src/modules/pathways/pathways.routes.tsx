import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { renderDocument } from '../../platform/html.tsx';
import { requireStaff, staffNav } from '../auth/index.ts';
import { getStalenessReport } from './pathways.service.ts';
import { StalenessPageView } from './pathways.staff-views.tsx';

/**
 * Staff pages of the pathways module, under /staff/pathways (registered in the /staff scope:
 * sealed → 503, session loaded, CSRF checked on POST). Every route here has an entry in
 * pathways.routes.matrix.test.ts.
 */
export async function pathwaysStaffRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/staff/pathways/staleness', async (request, reply) => {
    const report = await getStalenessReport(requireStaff(request), request.locale);
    return reply
      .status(200)
      .type('text/html; charset=utf-8')
      .send(
        renderDocument(
          <StalenessPageView
            locale={request.locale}
            nav={await staffNav(ctx, request, reply)}
            report={report}
          />,
        ),
      );
  });
}
