import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { t } from '../../platform/i18n/index.ts';
import { addStaffNav, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import {
  canCreateStaff,
  canSeeAdminPage,
  csrfFor,
  disableStaff,
  getAuthPolicy,
  onDuress,
  reissueEnrolment,
  requireStaff,
  SealedPage,
  SignInPolicyPage,
  staffIdSchema,
} from '../auth/index.ts';
import { decideApproval } from '../case-access/index.ts';
import { acknowledgeFork, acknowledgeSilence, witnessMessages } from '../witness/index.ts';
import { am } from './admin.messages.ts';
import { writeCheckpoint } from './admin-channel.ts';
import { getAdminOverview, sealFromActor, sealFromOwnSession } from './admin.service.ts';
import { requestKeyRotation } from './key-rotation-act.ts';
import {
  requestAuthPolicy,
  requestPasswordReset,
  requestReenable,
  requestRoleChange,
  requestSecondFactorReset,
  requestStaffCreate,
} from './staff-acts.ts';
import { type AuditFilter, getAuditPage, parseAuditFilter } from './audit-viewer.ts';
import { AuditLogPage } from './audit-viewer.views.tsx';
import { AdminPage } from './admin.views.tsx';

/** One hook for every app built in this process: it signs with the context it is given. */
const checkpointUnderDuress = async (c: AppContext): Promise<void> => {
  await writeCheckpoint(c);
};

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

  // A duress sign-in (ADR 0176): its audit entry is signed and sent to the witnesses before the seal.
  onDuress(checkpointUnderDuress);

  app.get('/staff/admin', async (request, reply) => render(request, reply, 200));

  // After sealing, how this server is unsealed again: key shares, or (development) a restart.
  const sealedPage = (request: FastifyRequest, reply: FastifyReply, path: string, mode: string | null) =>
    sendHtml(
      reply,
      200,
      <SealedPage
        locale={request.locale}
        path={path}
        body={mode === 'dev' ? am(request.locale, 'admin.sealed_dev') : undefined}
      />,
    );

  app.post('/staff/admin/seal', async (request, reply) => {
    try {
      const sealed = await sealFromActor(ctx, requireStaff(request), request.body);
      return sealedPage(request, reply, '/staff/admin', sealed.unsealedWith);
    } catch (error) {
      // Not confirmed: nothing sealed; the page again, with the reason.
      if (isAppError(error) && error.code === 'validation_failed') {
        return render(request, reply, 400, { error: am(request.locale, 'admin.seal_confirm_box') });
      }
      throw error;
    }
  });

  // Panic: any staff member seals from their own session (linked from the home page).
  app.post('/staff/admin/panic/seal', async (request, reply) => {
    const mode = ctx.vault.status().mode;
    await sealFromOwnSession(ctx, requireStaff(request), request.body);
    return sealedPage(request, reply, '/staff', mode);
  });

  app.post('/staff/admin/staff', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      // A request only (ADR 0138): a second administrator approves it on this page.
      await requestStaffCreate(ctx, actor, request.body);
      return render(request, reply, 202, { flash: am(request.locale, 'admin.request_filed') });
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
        // A refusal is an error (role="alert"), not a success message.
        return render(request, reply, error.status, { error: t(request.locale, error.messageKey as never) });
      }
      throw error;
    }
  });

  // Two-person acts (ADR 0138): filing a request, and a second administrator's decision. A
  // role change that only removes permissions is applied at once (ADR 0190): 200, not 202.
  const fileRequest = (
    path: string,
    file: (ctx: AppContext, actor: Actor, input: unknown) => Promise<string | null>,
  ) =>
    app.post(path, async (request, reply) => {
      try {
        const filed = await file(ctx, requireStaff(request), request.body);
        return filed === null
          ? render(request, reply, 200, { flash: am(request.locale, 'admin.role_changed') })
          : render(request, reply, 202, { flash: am(request.locale, 'admin.request_filed') });
      } catch (error) {
        if (isAppError(error) && error.code === 'validation_failed') {
          return render(request, reply, error.status, {
            error: t(request.locale, error.messageKey as never),
          });
        }
        throw error;
      }
    });
  fileRequest('/staff/admin/requests/role', requestRoleChange);
  fileRequest('/staff/admin/requests/second-factor', requestSecondFactorReset);
  fileRequest('/staff/admin/requests/password', requestPasswordReset);
  fileRequest('/staff/admin/requests/re-enable', requestReenable);
  // Root-key rotation (ADR 0177): approving grants the permit `sanctuary keys rotate` uses.
  fileRequest('/staff/admin/requests/keys-rotate', requestKeyRotation);

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/staff/admin/requests/:id/${decision}`, async (request, reply) => {
      const actor = requireStaff(request);
      try {
        const outcome = await decideApproval(ctx, actor, (request.params as { id?: unknown }).id, decision);
        return render(request, reply, 200, {
          flash: am(
            request.locale,
            decision === 'approve' ? 'admin.request_approved' : 'admin.request_rejected',
          ),
          ...(outcome.notice === undefined ? {} : { createdLink: outcome.notice }),
        });
      } catch (error) {
        if (isAppError(error) && error.code === 'conflict') {
          return render(request, reply, 409, { error: am(request.locale, 'admin.request_conflict') });
        }
        throw error;
      }
    });
  }

  // The organisation's sign-in policy (security keys; ADR 0173): administrators see it and file
  // a change, which a second administrator approves on the administration page.
  const renderPolicy = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { flash?: string; error?: string } = {},
  ) => {
    const actor = requireStaff(request);
    if (!canCreateStaff(actor)) throw new AppError('not_found', 'sign-in policy is for administrators');
    return sendHtml(
      reply,
      status,
      <SignInPolicyPage
        frame={await staffFrame(request, reply, extra)}
        csrf={csrfFor(ctx, request, reply)}
        policy={await getAuthPolicy(ctx.database.db)}
      />,
    );
  };
  app.get('/staff/admin/sign-in-policy', async (request, reply) => renderPolicy(request, reply, 200));
  app.post('/staff/admin/sign-in-policy', async (request, reply) => {
    try {
      await requestAuthPolicy(ctx, requireStaff(request), request.body);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return renderPolicy(request, reply, 400, { error: t(request.locale, error.messageKey as never) });
      }
      throw error;
    }
    return renderPolicy(request, reply, 202, { flash: am(request.locale, 'admin.request_filed') });
  });

  // The fork alarm (ADR 0175): acknowledging takes it off this page; audited.
  app.post('/staff/admin/forks/:id/acknowledge', async (request, reply) => {
    const actor = requireStaff(request);
    await acknowledgeFork(ctx, actor, (request.params as { id?: unknown }).id);
    return render(request, reply, 200, { flash: am(request.locale, 'admin.fork_acknowledged') });
  });

  // The silence alarm (ADR 0213), beside the fork alarm: acknowledged the same way; audited.
  app.post('/staff/admin/forks/silences/:id/acknowledge', async (request, reply) => {
    const actor = requireStaff(request);
    await acknowledgeSilence(ctx, actor, (request.params as { id?: unknown }).id, new Date());
    return render(request, reply, 200, {
      flash: witnessMessages(request.locale, 'witness.silence_acknowledged'),
    });
  });

  // A new enrolment link for an account that never enrolled (ADR 0190): one administrator, audited.
  app.post('/staff/admin/staff/:id/enrolment', async (request, reply) => {
    const link = await reissueEnrolment(ctx, requireStaff(request), (request.params as { id?: unknown }).id);
    return render(request, reply, 200, { createdLink: link.enrolmentUrl });
  });

  // The audit-log viewer (ADR 0191): coordinators and administrators.
  app.get('/staff/admin/audit', async (request, reply) => {
    const actor = requireStaff(request);
    let filter: AuditFilter = {};
    let error: string | undefined;
    try {
      filter = parseAuditFilter(request.query);
    } catch (e) {
      if (!(isAppError(e) && e.code === 'validation_failed')) throw e;
      error = am(request.locale, 'admin.audit_invalid');
    }
    // A refused reader is refused before the filters are judged (404, like any other page).
    const view = await getAuditPage(ctx, actor, request.locale, filter);
    return sendHtml(
      reply,
      error === undefined ? 200 : 400,
      <AuditLogPage frame={await staffFrame(request, reply, { error })} view={view} />,
    );
  });

  app.post('/staff/admin/staff/:id/disable', async (request, reply) => {
    const actor = requireStaff(request);
    const id = staffIdSchema.safeParse((request.params as { id?: unknown }).id);
    if (!id.success) throw new AppError('not_found', 'malformed staff id');
    await disableStaff(ctx, actor, id.data);
    return render(request, reply, 200, { flash: t(request.locale, 'admin.disabled_ok') });
  });
}
