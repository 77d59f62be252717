import type {} from '@fastify/multipart';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, loadStaffSession, readStaffUpload, requireStaff } from '../auth/index.ts';
import { vettingMessages as m } from './vetting.messages.ts';
import { canManageWatchlists, canOverseeWatchlists, canSeeVettingQueue } from './vetting.policy.ts';
import { queueQuerySchema } from './vetting.schemas.ts';
import { decideSignal, getSignal, listVettingQueue } from './vetting.service.ts';
import { QueuePageView, SignalPageView, type VettingFrame, WatchlistsPageView } from './vetting.views.tsx';
import {
  importWatchlist,
  listWatchlists,
  MAX_WATCHLIST_BYTES,
  MAX_WATCHLIST_ENTRIES,
  MAX_WATCHLIST_SIGNALS,
  retireWatchlistById,
  watchlistErrorLine,
} from './watchlist.service.ts';

/**
 * The vetting review queue under /staff/vetting. Each route parses its input, calls one
 * service function (which authorises first) and renders a view or redirects (POST, then 303).
 * The /staff guard has answered 503 while sealed, loaded the session and checked the CSRF
 * token of every POST; the watchlist upload (multipart) does both itself, CSRF first.
 *
 * Every route here must have an entry in vetting.routes.matrix.test.ts.
 */
const flashes = defineFlashes(
  ['vetting.flash.decided', 'vetting.flash.imported', 'vetting.flash.retired'],
  m,
);

const WATCHLIST_LIMITS = { entries: MAX_WATCHLIST_ENTRIES, signals: MAX_WATCHLIST_SIGNALS };

function param(request: FastifyRequest, name: string): unknown {
  return (request.params as Record<string, unknown>)[name];
}

function errorText(locale: Locale, error: AppError): string {
  if (error.code === 'conflict') return m(locale, 'vetting.flash.conflict');
  return t(locale, error.messageKey as MessageKey);
}

async function frame(request: FastifyRequest, reply: FastifyReply, error?: string): Promise<VettingFrame> {
  const actor = requireStaff(request);
  return {
    ...(await staffFrame(request, reply, { flashes, error })),
    canManageWatchlists: canManageWatchlists(actor),
    canSeeWatchlists: canOverseeWatchlists(actor),
  };
}

/** Routes inside the /staff scope (session and CSRF checked by its guard). */
export async function vettingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/vetting',
    label: 'staff.vetting',
    visible: canSeeVettingQueue,
    order: 30,
  });

  app.get('/staff/vetting', async (request, reply) => {
    const actor = requireStaff(request);
    const query = queueQuerySchema.parse((request.query as Record<string, unknown> | undefined) ?? {});
    const page = await listVettingQueue(ctx, actor, query);
    return sendHtml(
      reply,
      200,
      <QueuePageView {...(await frame(request, reply))} page={page} query={query} />,
    );
  });

  const renderSignal = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    form?: { decision?: string; reason?: string; errors?: Record<string, string> | undefined },
    error?: string,
  ) => {
    const signal = await getSignal(ctx, requireStaff(request), param(request, 'signalId'));
    return sendHtml(
      reply,
      status,
      <SignalPageView
        {...(await frame(request, reply, error))}
        signal={signal}
        csrf={csrfFor(ctx, request, reply)}
        refOf={(ref) => ref}
        {...(form === undefined ? {} : { form })}
      />,
    );
  };

  app.get('/staff/vetting/signals/:signalId', async (request, reply) => renderSignal(request, reply, 200));

  app.post('/staff/vetting/signals/:signalId/decision', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      await decideSignal(ctx, actor, param(request, 'signalId'), request.body);
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
        const body = (request.body as Record<string, unknown> | undefined) ?? {};
        const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2000) : '');
        return renderSignal(
          request,
          reply,
          error.status,
          { decision: text(body.decision), reason: text(body.reason), errors: error.fields },
          errorText(request.locale, error),
        );
      }
      throw error;
    }
    return flashes.redirect(
      request,
      reply,
      `/staff/vetting/signals/${String(param(request, 'signalId'))}`,
      'vetting.flash.decided',
    );
  });

  app.get('/staff/vetting/watchlists', async (request, reply) => {
    const actor = requireStaff(request);
    const lists = await listWatchlists(ctx, actor);
    return sendHtml(
      reply,
      200,
      <WatchlistsPageView
        {...(await frame(request, reply))}
        lists={lists}
        csrf={csrfFor(ctx, request, reply)}
        limits={WATCHLIST_LIMITS}
      />,
    );
  });

  app.post('/staff/vetting/watchlists/:watchlistId/retire', async (request, reply) => {
    await retireWatchlistById(ctx, requireStaff(request), param(request, 'watchlistId'));
    return flashes.redirect(request, reply, '/staff/vetting/watchlists', 'vetting.flash.retired');
  });
}

/**
 * The watchlist upload (multipart), in its own scope: the /staff guard checks the CSRF field of
 * a parsed form body, but a multipart body is read here as a stream, so this scope loads the
 * session itself and checks the CSRF field, which the form sends first, before reading the file.
 */
export async function vettingUploadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: false });
  app.decorateRequest('staff', null);
  app.addHook('preHandler', async (request) => {
    await loadStaffSession(ctx, request);
  });

  app.post('/staff/vetting/watchlists', async (request, reply) => {
    const actor = requireStaff(request);
    // Not yours to use: the page does not exist, whatever was sent (and nothing is read).
    if (!canManageWatchlists(actor)) throw new AppError('not_found', 'watchlists');
    const { fields, file, truncated } = await readStaffUpload(ctx, request, {
      fileSize: MAX_WATCHLIST_BYTES,
      fields: ['label', 'source', 'secret'],
    });
    try {
      await importWatchlist(ctx, actor, {
        label: fields.label,
        source: fields.source,
        secret: fields.secret,
        file,
        truncated,
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        const lists = await listWatchlists(ctx, actor);
        const line = watchlistErrorLine(error);
        return sendHtml(
          reply,
          400,
          <WatchlistsPageView
            {...(await frame(request, reply, errorText(request.locale, error)))}
            lists={lists}
            csrf={csrfFor(ctx, request, reply)}
            limits={WATCHLIST_LIMITS}
            errors={{ ...error.fields, ...(line === undefined ? {} : { line: String(line) }) }}
          />,
        );
      }
      throw error;
    } finally {
      file?.fill(0);
    }
    return flashes.redirect(request, reply, '/staff/vetting/watchlists', 'vetting.flash.imported');
  });
}

export { canSeeVettingQueue };
