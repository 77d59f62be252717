import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { t } from '../../platform/i18n/index.ts';
import { addStaffNav, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { canCreateStaff, canSeeAdminPage } from '../auth/auth.policy.ts';
import { SealedPage } from '../auth/auth.views.tsx';
import { staffIdSchema } from '../auth/staff.schemas.ts';
import { createStaff, disableStaff } from '../auth/staff.service.ts';
import { csrfFor, requireStaff } from '../auth/staff-session.ts';
import { getAdminOverview, sealFromActor } from './admin.service.ts';
import { AdminPage } from './admin.views.tsx';

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, { href: '/staff/admin', label: 'staff.admin', visible: canSeeAdminPage, order: 40 });

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { flash?: string; error?: string; createdLink?: string } = {},
  ) => {
    const actor = requireStaff(request);
    const overview = await getAdminOverview(ctx, actor);
    return sendHtml(
      reply,
      status,
      <AdminPage
        frame={await staffFrame(request, reply, { flash: extra.flash, error: extra.error })}
        csrf={csrfFor(ctx, request, reply)}
        overview={overview}
        selfId={actor.id}
        canCreate={canCreateStaff(actor)}
        createdLink={extra.createdLink}
      />,
    );
  };

  app.get('/staff/admin', async (request, reply) => render(request, reply, 200));

  app.post('/staff/admin/seal', async (request, reply) => {
    await sealFromActor(ctx, requireStaff(request));
    return sendHtml(reply, 200, <SealedPage locale={request.locale} path="/staff/admin" />);
  });

  app.post('/staff/admin/staff', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      const created = await createStaff(ctx, actor, request.body);
      return render(request, reply, 201, { createdLink: created.enrolmentUrl });
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
        // A refusal is an error (role="alert"), not a success message.
        return render(request, reply, error.status, { error: t(request.locale, error.messageKey as never) });
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
