import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { registerStaffGuards } from '../auth/index.ts';
import { registerCaseEraser } from '../retention/index.ts';
import { attachmentsEraser, sweepBlobs } from './attachments.ts';
import { partnerApiRoutes } from './channels/partner-api/partner-api.routes.ts';
import type { TelegramChannel } from './channels/telegram/telegram.channel.ts';
import type { TelegramTracingHooks } from './channels/telegram/telegram-tracing.ts';
import {
  intakeWebRoutes,
  isFormPage,
  registerApplicantErrors,
  registerStrictFormParser,
} from './intake.routes.tsx';
import { createIntakeRuntime, type IntakeRuntime, type UploadArrivalObserver } from './intake.service.ts';
import { intakeStaffRoutes, intakeStaffUploadRoutes } from './intake.staff-routes.tsx';
import { pathwaysRoutes } from './pathways.routes.tsx';
import { refuseCrossSitePosts } from './same-origin.ts';

const runtimes = new WeakMap<AppContext, IntakeRuntime & { telegram: TelegramChannel | undefined }>();

/** The intake runtime of a built app (tests, the benchmark). */
export function intakeRuntimeOf(ctx: AppContext): IntakeRuntime & { telegram: TelegramChannel | undefined } {
  const rt = runtimes.get(ctx);
  if (rt === undefined) throw new Error('intake plugin not registered');
  return rt;
}

/** Adds an observer of every upload's bytes as they arrive (the evidence module's hook, ADR 0134). */
export function registerUploadArrival(ctx: AppContext, observer: UploadArrivalObserver): void {
  intakeRuntimeOf(ctx).arrivals.push(observer);
}

/** Family tracing's hooks for the Telegram bot (ADR 0161), set by app.ts. */
export function registerTelegramTracing(ctx: AppContext, hooks: TelegramTracingHooks): void {
  intakeRuntimeOf(ctx).tracing = hooks;
}

/**
 * Makes a scope an applicant scope: the applicant's error pages, the strict form parser (64 KB)
 * and the refusal of cross-site posts. Another module's applicant pages (family tracing) are
 * registered in a scope prepared by this, after the intake plugin (whose sessions they use).
 */
export function prepareApplicantScope(applicant: FastifyInstance): void {
  registerApplicantErrors(applicant);
  registerStrictFormParser(applicant, 64 * 1024);
  refuseCrossSitePosts(applicant);
}

/**
 * The intake module: applicant site, partner API, Telegram, and the staff pages for partner
 * tokens and the API document. Registered by app.ts with one line.
 */
export async function intakePlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const rt = createIntakeRuntime(ctx, join(ctx.config.dataDir, 'blobs'));
  await sweepBlobs(ctx, rt);
  // The bot (and grammy, about 0.07 s of start-up) is loaded only where Telegram is on.
  const telegram =
    ctx.config.intake.telegram.mode === 'off'
      ? undefined
      : new (await import('./channels/telegram/telegram.channel.ts')).TelegramChannel(ctx, rt);
  runtimes.set(ctx, Object.assign(rt, { telegram }));
  registerCaseEraser(ctx, attachmentsEraser(rt));
  ctx.metrics.gauge(
    'sanctuary_intake_queue_depth',
    'Submissions waiting in the intake queue for their group commit (this instance)',
    () => rt.queue.depth,
  );
  ctx.metrics.gauge(
    'sanctuary_intake_queue_capacity',
    'Submissions the intake queue holds before answering 503 "busy" (this instance)',
    () => rt.queue.capacity,
  );

  await app.register(async (applicant) => {
    await applicant.register(multipart, { throwFileSizeLimit: false });
    prepareApplicantScope(applicant);
    // The form page may load its own proof-of-work script (same origin, nothing else): also
    // when it comes back with an error, so that a person with JavaScript keeps the proof of work.
    applicant.addHook('onSend', async (_request, reply, payload) => {
      if (isFormPage(reply)) {
        const csp = reply.getHeader('Content-Security-Policy');
        if (typeof csp === 'string')
          reply.header('Content-Security-Policy', csp.replace("script-src 'none'", "script-src 'self'"));
      }
      return payload;
    });
    await intakeWebRoutes(applicant, ctx, rt);
    await pathwaysRoutes(applicant, ctx, rt);
  });
  await app.register(async (api) => partnerApiRoutes(api, ctx, rt));
  await app.register(async (staff) => {
    registerStaffGuards(ctx, staff);
    await intakeStaffRoutes(staff, ctx, rt);
  });
  // Staff uploads to a case: multipart, so the session and CSRF checks are the route's own.
  await app.register(async (uploads) => {
    await uploads.register(multipart, { throwFileSizeLimit: false });
    await intakeStaffUploadRoutes(uploads, ctx, rt);
  });
  if (telegram !== undefined) await app.register(async (tg) => telegram.start(tg));

  app.addHook('onClose', async () => {
    await telegram?.stop();
    await rt.queue.close();
  });
}
