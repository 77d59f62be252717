import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { today } from '../cases/index.ts';
import { matchPartners } from './matching.ts';
import { PortalPageView, PortalReferralPageView } from './partner-portal.views.tsx';
import {
  addPartnerMember,
  createPartner,
  decidePartnerVetting,
  getOwnPartner,
  getPartner,
  listDirectory,
  listPartnersToVet,
  peerChoices,
  updateOwnCapacity,
} from './partners.service.ts';
import { referralsMessages as m, type ReferralsMessageKey } from './referrals.messages.ts';
import {
  canAddPartner,
  canManagePartnerAccounts,
  canSeeReferralReports,
  canUseDirectory,
  canUsePartnerPortal,
  canVetPartner,
} from './referrals.policy.ts';
import { getReferralReports } from './referrals.reports.ts';
import {
  answerRemoteReferral,
  approveDisclosure,
  askConsentInInbox,
  createReferral,
  getCaseReferrals,
  getOwnReferral,
  listOwnReferrals,
  messageCaseworker,
  messagePartner,
  progressReferral,
  recordConsent,
  rerouteReferral,
  respondToReferral,
  sendReferral,
  withdrawReferral,
} from './referrals.service.ts';
import {
  CaseReferralsPageView,
  DirectoryPageView,
  directorySubnav,
  NewPartnerPageView,
  PartnerPageView,
  ReportsPageView,
  VettingPageView,
} from './referrals.views.tsx';

/**
 * The referral network's pages, inside the /staff scope (session, CSRF and the seal checked by
 * its guard). Staff: /staff/referrals (directory, partners, vetting, reports) and
 * /staff/referrals/cases/:ref (a case's referrals and matching). Partners: /staff/partner (the
 * portal). Every route has an entry in referrals.routes.matrix.test.ts.
 */
const FLASHES = [
  'referrals.flash.created',
  'referrals.flash.consent',
  'referrals.flash.approved',
  'referrals.flash.sent',
  'referrals.flash.withdrawn',
  'referrals.flash.rerouted',
  'referrals.flash.message',
  'referrals.flash.partner',
  'referrals.flash.vetting',
  'referrals.flash.member',
  'referrals.flash.answered',
  'referrals.flash.capacity',
  'referrals.flash.asked',
] as const satisfies readonly ReferralsMessageKey[];

const params = (request: FastifyRequest) => request.params as Record<string, string>;
const query = (request: FastifyRequest) => (request.query ?? {}) as Record<string, unknown>;

export async function referralsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const flashes = defineFlashes(FLASHES, m);
  addStaffNav(
    app,
    { href: '/staff/referrals', label: (l) => m(l, 'referrals.nav'), visible: canUseDirectory, order: 32 },
    {
      href: '/staff/partner',
      label: (l) => m(l, 'referrals.nav.portal'),
      visible: canUsePartnerPortal,
      order: 12,
    },
  );
  const frame = (request: FastifyRequest, reply: Parameters<typeof staffFrame>[1]) =>
    staffFrame(request, reply, { flashes });
  const subnav = (request: FastifyRequest) => {
    const actor = requireStaff(request);
    return directorySubnav(request.locale, {
      vet: canVetPartner(actor),
      reports: canSeeReferralReports(actor),
    });
  };

  // ---- directory, partners, vetting, reports ----
  app.get('/staff/referrals', async (request, reply) => {
    const actor = requireStaff(request);
    const page = await listDirectory(ctx, actor, query(request));
    return sendHtml(
      reply,
      200,
      <DirectoryPageView
        frame={await frame(request, reply)}
        {...page}
        canAdd={canAddPartner(actor)}
        subnav={subnav(request)}
      />,
    );
  });

  app.get('/staff/referrals/partners/new', async (request, reply) => {
    const actor = requireStaff(request);
    requireAllowed(canAddPartner(actor), 'partner.create');
    return sendHtml(
      reply,
      200,
      <NewPartnerPageView
        frame={await frame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        subnav={subnav(request)}
        peers={await peerChoices(ctx, actor)}
      />,
    );
  });

  app.post('/staff/referrals/partners', async (request, reply) => {
    const { id } = await createPartner(ctx, requireStaff(request), request.body);
    return flashes.redirect(request, reply, `/staff/referrals/partners/${id}`, 'referrals.flash.partner');
  });

  app.get('/staff/referrals/partners/:partnerId', async (request, reply) => {
    const actor = requireStaff(request);
    const partner = await getPartner(ctx, actor, params(request).partnerId);
    return sendHtml(
      reply,
      200,
      <PartnerPageView
        frame={await frame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        partner={partner}
        canVet={canVetPartner(actor)}
        canManage={canManagePartnerAccounts(actor)}
        subnav={subnav(request)}
      />,
    );
  });

  app.post('/staff/referrals/partners/:partnerId/vetting', async (request, reply) => {
    const id = params(request).partnerId;
    await decidePartnerVetting(ctx, requireStaff(request), id, request.body);
    return flashes.redirect(request, reply, `/staff/referrals/partners/${id}`, 'referrals.flash.vetting');
  });

  app.post('/staff/referrals/partners/:partnerId/members', async (request, reply) => {
    const id = params(request).partnerId;
    await addPartnerMember(ctx, requireStaff(request), id, request.body);
    return flashes.redirect(request, reply, `/staff/referrals/partners/${id}`, 'referrals.flash.member');
  });

  app.get('/staff/referrals/vetting', async (request, reply) => {
    const partners = await listPartnersToVet(ctx, requireStaff(request));
    return sendHtml(
      reply,
      200,
      <VettingPageView frame={await frame(request, reply)} partners={partners} subnav={subnav(request)} />,
    );
  });

  app.get('/staff/referrals/reports', async (request, reply) => {
    const reports = await getReferralReports(ctx, requireStaff(request));
    return sendHtml(
      reply,
      200,
      <ReportsPageView frame={await frame(request, reply)} reports={reports} subnav={subnav(request)} />,
    );
  });

  // ---- a case's referrals ----
  app.get('/staff/referrals/cases/:ref', async (request, reply) => {
    const actor = requireStaff(request);
    const ref = params(request).ref;
    const page = await getCaseReferrals(ctx, actor, ref);
    const match = await matchPartners(ctx, actor, ref, query(request));
    return sendHtml(
      reply,
      200,
      <CaseReferralsPageView
        frame={await frame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        ref_={page.ref}
        referrals={page.referrals}
        match={match}
        canWrite={page.canWrite}
        today={today()}
        incoming={page.incoming}
      />,
    );
  });

  const back = (ref: string, id?: string) =>
    `/staff/referrals/cases/${ref}${id === undefined ? '' : `#referral-${id}`}`;
  app.post('/staff/referrals/cases/:ref', async (request, reply) => {
    const made = await createReferral(ctx, requireStaff(request), params(request).ref, request.body);
    return flashes.redirect(request, reply, back(made.ref, made.id), 'referrals.flash.created');
  });

  // The receiving server's answer to another server's referral (ADR 0163).
  app.post('/staff/referrals/cases/:ref/remote-answer', async (request, reply) => {
    const ref = params(request).ref;
    await answerRemoteReferral(ctx, requireStaff(request), ref, request.body);
    return flashes.redirect(request, reply, back(String(ref).toUpperCase()), 'referrals.flash.answered');
  });

  const step = (
    path: string,
    flash: (typeof FLASHES)[number],
    run: (actor: ReturnType<typeof requireStaff>, ref: string, id: string, body: unknown) => Promise<unknown>,
  ) =>
    app.post(`/staff/referrals/cases/:ref/:id/${path}`, async (request, reply) => {
      const { ref, id } = params(request) as { ref: string; id: string };
      const out = await run(requireStaff(request), ref, id, request.body);
      const target =
        typeof out === 'object' && out !== null && 'id' in out ? String((out as { id: string }).id) : id;
      return flashes.redirect(
        request,
        reply,
        `/staff/referrals/cases/${String(ref).toUpperCase()}#referral-${target}`,
        flash,
      );
    });
  step('consent', 'referrals.flash.consent', (a, ref, id, body) => recordConsent(ctx, a, ref, id, body));
  step('ask', 'referrals.flash.asked', (a, ref, id, body) => askConsentInInbox(ctx, a, ref, id, body));
  step('approve', 'referrals.flash.approved', (a, ref, id) => approveDisclosure(ctx, a, ref, id));
  step('send', 'referrals.flash.sent', (a, ref, id) => sendReferral(ctx, a, ref, id));
  step('withdraw', 'referrals.flash.withdrawn', (a, ref, id, body) =>
    withdrawReferral(ctx, a, ref, id, body),
  );
  step('reroute', 'referrals.flash.rerouted', (a, ref, id, body) => rerouteReferral(ctx, a, ref, id, body));
  step('message', 'referrals.flash.message', (a, ref, id, body) => messagePartner(ctx, a, ref, id, body));

  // ---- the partner portal ----
  app.get('/staff/partner', async (request, reply) => {
    const actor = requireStaff(request);
    const partner = await getOwnPartner(ctx, actor);
    const referrals = await listOwnReferrals(ctx, actor);
    return sendHtml(
      reply,
      200,
      <PortalPageView
        frame={await frame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        partner={partner}
        referrals={referrals}
      />,
    );
  });

  app.get('/staff/partner/referrals/:id', async (request, reply) => {
    const referral = await getOwnReferral(ctx, requireStaff(request), params(request).id);
    return sendHtml(
      reply,
      200,
      <PortalReferralPageView
        frame={await frame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        referral={referral}
      />,
    );
  });

  app.post('/staff/partner/referrals/:id/respond', async (request, reply) => {
    const id = params(request).id;
    const to = await respondToReferral(ctx, requireStaff(request), id, request.body);
    // A declined referral is no longer the partner's to see: back to the list.
    const path = to === 'declined' ? '/staff/partner' : `/staff/partner/referrals/${id}`;
    return flashes.redirect(request, reply, path, 'referrals.flash.answered');
  });

  app.post('/staff/partner/referrals/:id/progress', async (request, reply) => {
    const id = params(request).id;
    const to = await progressReferral(ctx, requireStaff(request), id, request.body);
    const path = to === 'completed' ? '/staff/partner' : `/staff/partner/referrals/${id}`;
    return flashes.redirect(request, reply, path, 'referrals.flash.answered');
  });

  app.post('/staff/partner/referrals/:id/message', async (request, reply) => {
    const id = params(request).id;
    await messageCaseworker(ctx, requireStaff(request), id, request.body);
    return flashes.redirect(request, reply, `/staff/partner/referrals/${id}`, 'referrals.flash.message');
  });

  app.post('/staff/partner/capacity', async (request, reply) => {
    await updateOwnCapacity(ctx, requireStaff(request), request.body);
    return flashes.redirect(request, reply, '/staff/partner', 'referrals.flash.capacity');
  });
}
