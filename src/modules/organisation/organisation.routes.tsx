import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, loadStaffSession, readStaffUpload, requireStaff } from '../auth/index.ts';
import { IntakeFormPage, PrivacyPage, withBranding } from '../intake/index.ts';
import { type OrganisationMessageKey, organisationMessages as om } from './organisation.messages.ts';
import { QuestionsBlock } from './organisation.questions.tsx';
import {
  brandingOf,
  canConfigureOrganisation,
  discardOrganisationDraft,
  getOrganisationOverview,
  getVersion,
  LOGO_MAX_BYTES,
  publishOrganisationDraft,
  readPublishedLogo,
  readVersionLogo,
  saveOrganisationDraft,
  setOrganisationLogo,
} from './organisation.service.ts';
import { OrganisationPage, OrganisationVersionPage, sentValues } from './organisation.views.tsx';

/**
 * The administrator's organisation page under /staff/organisation (ADR 0193): admins only
 * (anyone else gets 404 and nothing changes; organisation.routes.matrix.test.ts). Every route
 * here must have a row in that matrix.
 */
const PATH = '/staff/organisation';
const flashes = defineFlashes(
  [
    'organisation.flash.saved',
    'organisation.flash.published',
    'organisation.flash.discarded',
    'organisation.flash.logo',
  ] as const,
  (l, k) => om(l, k),
);

const logoHeaders = (reply: FastifyReply) =>
  reply.type('image/png').header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store');

async function renderPage(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  refused?: { error: AppError; body?: unknown },
) {
  const overview = await getOrganisationOverview(ctx, requireStaff(request));
  const l = request.locale;
  const formKey = refused?.error.fields?.form;
  return sendHtml(
    reply,
    status,
    <OrganisationPage
      frame={
        await staffFrame(request, reply, {
          flashes,
          ...(refused === undefined
            ? {}
            : {
                error: om(l, (formKey ?? 'organisation.error.form') as OrganisationMessageKey, {
                  kb: LOGO_MAX_BYTES / 1024,
                }),
              }),
        })
      }
      csrf={csrfFor(ctx, request, reply)}
      overview={overview}
      values={refused?.body === undefined || formKey !== undefined ? undefined : sentValues(refused.body)}
      errors={refused?.error.fields}
    />,
  );
}

export async function organisationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: PATH,
    label: (l) => om(l, 'organisation.nav'),
    visible: canConfigureOrganisation,
    order: 42,
  });

  app.get(PATH, async (request, reply) => renderPage(ctx, request, reply, 200));

  /** A refused form comes back with what was sent and why; anything else is the platform's. */
  const act = (
    path: string,
    run: (request: FastifyRequest) => Promise<unknown>,
    flash: Parameters<typeof flashes.redirect>[3],
  ) =>
    app.post(path, async (request, reply) => {
      try {
        await run(request);
      } catch (error) {
        if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
          return renderPage(ctx, request, reply, error.status, { error, body: request.body });
        }
        throw error;
      }
      return flashes.redirect(request, reply, PATH, flash);
    });
  act(
    `${PATH}/draft`,
    (r) => saveOrganisationDraft(ctx, requireStaff(r), r.body),
    'organisation.flash.saved',
  );
  act(
    `${PATH}/publish`,
    (r) => publishOrganisationDraft(ctx, requireStaff(r), r.body),
    'organisation.flash.published',
  );
  act(
    `${PATH}/discard`,
    (r) => discardOrganisationDraft(ctx, requireStaff(r), r.body),
    'organisation.flash.discarded',
  );

  app.get(`${PATH}/versions/:version`, async (request, reply) => {
    const view = await getVersion(
      ctx,
      requireStaff(request),
      (request.params as { version?: unknown }).version,
    );
    return sendHtml(
      reply,
      200,
      <OrganisationVersionPage frame={await staffFrame(request, reply)} view={view} />,
    );
  });

  app.get(`${PATH}/versions/:version/logo`, async (request, reply) => {
    const logo = await readVersionLogo(
      ctx,
      requireStaff(request),
      (request.params as { version?: unknown }).version,
    );
    return logoHeaders(reply).send(logo);
  });

  /**
   * The preview: the applicant page exactly as it will look with the draft (or, with no draft,
   * the published version), rendered here so applicants never see a draft.
   */
  const preview = (path: string, page: 'form' | 'privacy') =>
    app.get(path, async (request, reply) => {
      const actor = requireStaff(request);
      const overview = await getOrganisationOverview(ctx, actor);
      const v = overview.form;
      if (v === undefined) throw new AppError('not_found', 'nothing to preview');
      const l = request.locale;
      const branding = brandingOf(v, l, `${PATH}/versions/${v.version}/logo`);
      return withBranding(branding, () =>
        sendHtml(
          reply,
          200,
          page === 'privacy' ? (
            <PrivacyPage locale={l} />
          ) : (
            <IntakeFormPage
              locale={l}
              formToken=""
              challenge=""
              powBase={ctx.config.intake.powDifficulty}
              values={{}}
              errors={{}}
              questions={
                <QuestionsBlock
                  locale={l}
                  version={v.version}
                  settings={v.settings}
                  values={{}}
                  errors={{}}
                />
              }
            />
          ),
        ),
      );
    });
  preview(`${PATH}/preview`, 'form');
  preview(`${PATH}/preview/privacy`, 'privacy');
}

/** The logo upload is multipart: its own scope loads the session and checks CSRF (readStaffUpload). */
export async function organisationUploadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: false });
  app.decorateRequest('staff', null);
  app.addHook('preHandler', async (request) => {
    await loadStaffSession(ctx, request);
  });
  app.post(`${PATH}/logo`, async (request, reply) => {
    const actor = requireStaff(request);
    // Not yours to use: the page does not exist, whatever was sent (and nothing is read).
    if (!canConfigureOrganisation(actor)) throw new AppError('not_found', 'organisation');
    const { file, truncated } = await readStaffUpload(ctx, request, { fileSize: LOGO_MAX_BYTES, fields: [] });
    try {
      await setOrganisationLogo(ctx, actor, { file, truncated });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return renderPage(ctx, request, reply, 400, { error });
      }
      throw error;
    }
    return flashes.redirect(request, reply, PATH, 'organisation.flash.logo');
  });
}

/** Applicants load the published logo from our own origin (a draft's is never served here). */
export async function organisationApplicantRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/organisation/logo/:file', async (request, reply) => {
    const file = String((request.params as { file?: unknown }).file ?? '');
    const match = /^([1-9][0-9]{0,8})\.png$/.exec(file);
    if (match === null) throw new AppError('not_found', 'no logo');
    return logoHeaders(reply).send(await readPublishedLogo(ctx, match[1]));
  });
}
