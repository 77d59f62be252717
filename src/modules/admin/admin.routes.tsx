import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { renderDocument } from '../../platform/html.tsx';
import { t } from '../../platform/i18n/index.ts';
import {
  canCreateStaff,
  createStaff,
  csrfFor,
  disableStaff,
  requireStaff,
  SealedPage,
  staffIdSchema,
  staffNav,
} from '../auth/index.ts';
import { getAdminOverview, sealFromActor } from './admin.service.ts';
import { AdminPage } from './admin.views.tsx';

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { flash?: string; createdLink?: string } = {},
  ) => {
    const actor = requireStaff(request);
    const overview = await getAdminOverview(ctx, actor);
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(
        renderDocument(
          <AdminPage
            locale={request.locale}
            nav={await staffNav(ctx, request, reply)}
            csrf={csrfFor(ctx, request, reply)}
            overview={overview}
            selfId={actor.id}
            canCreate={canCreateStaff(actor)}
            flash={extra.flash}
            createdLink={extra.createdLink}
          />,
        ),
      );
  };

  app.get('/staff/admin', async (request, reply) => render(request, reply, 200));

  app.post('/staff/admin/seal', async (request, reply) => {
    await sealFromActor(ctx, requireStaff(request));
    return reply
      .status(200)
      .type('text/html; charset=utf-8')
      .send(renderDocument(<SealedPage locale={request.locale} path="/staff/admin" />));
  });

  app.post('/staff/admin/staff', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      const created = await createStaff(ctx, actor, request.body);
      return render(request, reply, 201, { createdLink: created.enrolmentUrl });
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
        return render(request, reply, error.status, { flash: t(request.locale, error.messageKey as never) });
      }
      throw error;
    }
  });

  app.post('/staff/admin/staff/:id/disable', async (request, reply) => {
    const actor = requireStaff(request);
    const id = staffIdSchema.safeParse((request.params as { id?: unknown }).id);
    if (!id.success) throw new AppError('not_found', 'malformed staff id');
    await disableStaff(ctx, actor, id.data);
    return render(request, reply, 200, { flash: t(request.locale, 'admin.disabled_ok') });
  });
}
