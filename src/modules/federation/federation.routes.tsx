import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { federationMessages as fm } from './federation.messages.ts';
import { canManageFederation } from './federation.policy.ts';
import {
  addPeer,
  getIdentityCard,
  listPackets,
  listPeers,
  revokePeer,
  verifyPeer,
} from './federation.service.ts';
import { IdentityPageView, PacketsPageView, PeersPageView } from './federation.views.tsx';

const flashes = defineFlashes(['added', 'verified', 'revoked'] as const, (l, k) =>
  fm(l, `federation.flash.${k}`),
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The federation's staff pages (inside the /staff scope: session and CSRF checked by its
 * guard): this server's identity (fingerprint and QR code), peer servers (add, verify, revoke)
 * and the packets sent and received. Administrators only; everyone else 404.
 */
export async function federationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/federation',
    label: (l) => fm(l, 'federation.nav'),
    visible: canManageFederation,
    order: 45,
  });

  const guard = (request: FastifyRequest) => {
    const actor = requireStaff(request);
    requireAllowed(canManageFederation(actor), 'federation');
    return actor;
  };
  const peerIdOf = (request: FastifyRequest): string => {
    const id = (request.params as { id?: string }).id ?? '';
    if (!UUID.test(id)) throw new AppError('not_found', 'no such peer');
    return id;
  };

  app.get('/staff/federation', async (request, reply) => {
    const card = await getIdentityCard(ctx, guard(request));
    return sendHtml(reply, 200, <IdentityPageView frame={await staffFrame(request, reply)} card={card} />);
  });

  app.get('/staff/federation/peers', async (request, reply) => {
    const actor = guard(request);
    return sendHtml(
      reply,
      200,
      <PeersPageView
        frame={await staffFrame(request, reply, { flashes })}
        csrf={csrfFor(ctx, request, reply)}
        peers={await listPeers(ctx, actor)}
      />,
    );
  });

  app.post('/staff/federation/peers', async (request, reply) => {
    const actor = guard(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      await addPeer(ctx, actor, { label: body.label, card: body.card });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      return sendHtml(
        reply,
        400,
        <PeersPageView
          frame={await staffFrame(request, reply)}
          csrf={csrfFor(ctx, request, reply)}
          peers={await listPeers(ctx, actor)}
          errors={error.fields}
          values={{
            label: typeof body.label === 'string' ? body.label : '',
            card: typeof body.card === 'string' ? body.card : '',
          }}
        />,
      );
    }
    return flashes.redirect(request, reply, '/staff/federation/peers', 'added');
  });

  app.post('/staff/federation/peers/:id/verify', async (request, reply) => {
    const actor = guard(request);
    const id = peerIdOf(request);
    try {
      await verifyPeer(ctx, actor, id, {
        fingerprint: (request.body as Record<string, unknown>)?.fingerprint,
      });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      return sendHtml(
        reply,
        400,
        <PeersPageView
          frame={
            await staffFrame(request, reply, { error: fm(request.locale, 'federation.error.fingerprint') })
          }
          csrf={csrfFor(ctx, request, reply)}
          peers={await listPeers(ctx, actor)}
        />,
      );
    }
    return flashes.redirect(request, reply, '/staff/federation/peers', 'verified');
  });

  app.post('/staff/federation/peers/:id/revoke', async (request, reply) => {
    const actor = guard(request);
    await revokePeer(ctx, actor, peerIdOf(request));
    return flashes.redirect(request, reply, '/staff/federation/peers', 'revoked');
  });

  app.get('/staff/federation/packets', async (request, reply) => {
    const { outgoing, incoming } = await listPackets(ctx, guard(request));
    return sendHtml(
      reply,
      200,
      <PacketsPageView frame={await staffFrame(request, reply)} outgoing={outgoing} incoming={incoming} />,
    );
  });
}
