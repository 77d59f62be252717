import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../platform/errors.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { addHomeSection, csrfFor, requireStaff } from '../auth/index.ts';
import { getHomeOverview } from './home.service.ts';
import { notificationsMessages as m } from './notifications.messages.ts';
import {
  countMyUnread,
  getMyEmailChoice,
  listMyNotifications,
  markMyNotificationsRead,
  setMyEmailChoice,
} from './notifications.service.ts';
import { HomeOverviewSection, NotificationsPage } from './notifications.views.tsx';

const flashes = defineFlashes(
  ['notifications.flash.read', 'notifications.flash.email_on', 'notifications.flash.email_off'] as const,
  (l, key) => m(l, key),
);

/** The home page's overview, the notifications page and its count in the navigation (issue 21 item 3). */
export async function notificationsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/notifications',
    label: (l) => m(l, 'notifications.nav'),
    visible: () => true,
    order: 11,
    count: (_request, actor) => countMyUnread(ctx, actor),
  });
  addHomeSection(app, async (request, _reply, actor) => (
    <HomeOverviewSection locale={request.locale} overview={await getHomeOverview(ctx, actor)} />
  ));

  const render = async (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
    const actor = requireStaff(request);
    const [items, email] = await Promise.all([listMyNotifications(ctx, actor), getMyEmailChoice(ctx, actor)]);
    return sendHtml(
      reply,
      status,
      <NotificationsPage
        frame={await staffFrame(request, reply, { flashes, error })}
        csrf={csrfFor(ctx, request, reply)}
        items={items}
        email={email}
      />,
    );
  };

  app.get('/staff/notifications', async (request, reply) => render(request, reply, 200));

  app.post('/staff/notifications/read', async (request, reply) => {
    await markMyNotificationsRead(ctx, requireStaff(request), request.body);
    return flashes.redirect(request, reply, '/staff/notifications', 'notifications.flash.read');
  });

  app.post('/staff/notifications/email', async (request, reply) => {
    try {
      const on = await setMyEmailChoice(ctx, requireStaff(request), request.body);
      return flashes.redirect(
        request,
        reply,
        '/staff/notifications',
        on ? 'notifications.flash.email_on' : 'notifications.flash.email_off',
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return render(request, reply, 400, m(request.locale, 'notifications.error.email'));
      }
      throw error;
    }
  });
}
