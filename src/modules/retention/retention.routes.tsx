import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../platform/errors.ts';
import { addStaffNav, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { retentionMessages as m, type RetentionMessageKey } from './retention.messages.ts';
import {
  canManageRetention,
  getRetentionOverview,
  placeLegalHold,
  requestHoldLift,
  requestRulesChange,
} from './retention.service.ts';
import { RetentionPage } from './retention.views.tsx';

/** The retention page (ADR 0139): rules, legal holds, and what the next 30 days erase. */
export async function retentionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/admin/retention',
    label: (l) => m(l, 'retention.nav'),
    visible: canManageRetention,
    order: 41,
  });

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { flash?: RetentionMessageKey; error?: string } = {},
  ) => {
    const overview = await getRetentionOverview(ctx, requireStaff(request));
    const l = request.locale;
    return sendHtml(
      reply,
      status,
      <RetentionPage
        frame={
          await staffFrame(request, reply, {
            flash: extra.flash === undefined ? undefined : m(l, extra.flash),
            error: extra.error,
          })
        }
        csrf={csrfFor(ctx, request, reply)}
        overview={overview}
      />,
    );
  };

  app.get('/staff/admin/retention', async (request, reply) => render(request, reply, 200));

  app.post('/staff/admin/retention/rules', async (request, reply) => {
    try {
      await requestRulesChange(ctx, requireStaff(request), request.body);
      return render(request, reply, 202, { flash: 'retention.flash.requested' });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return render(request, reply, 400, { error: m(request.locale, 'retention.field.rules') });
      }
      throw error;
    }
  });

  app.post('/staff/admin/retention/holds', async (request, reply) => {
    await placeLegalHold(ctx, requireStaff(request), (request.body as { ref?: unknown } | null)?.ref);
    return render(request, reply, 200, { flash: 'retention.flash.held' });
  });

  app.post('/staff/admin/retention/holds/:ref/lift', async (request, reply) => {
    await requestHoldLift(ctx, requireStaff(request), (request.params as { ref?: unknown }).ref);
    return render(request, reply, 202, { flash: 'retention.flash.requested' });
  });
}
