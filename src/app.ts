import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { StaffActor } from './access/index.ts';
import type { Config } from './config/config.ts';
import { type AppContext, createLimits, shareLimits } from './context.ts';
import { openDatabase, type SanctuaryDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { adminRoutes } from './modules/admin/index.ts';
import { authRoutes, registerDecoyWorkspace, registerStaffGuards } from './modules/auth/index.ts';
import { casePathwaysRoutes } from './modules/case-pathways/index.ts';
import { casesRoutes, onCaseActivity, onPersonChanged } from './modules/cases/index.ts';
import { evidenceRoutes, evidenceUploadHook, evidenceUploadRoutes } from './modules/evidence/index.ts';
import {
  answerIncomingReferral,
  federationApiRoutes,
  federationRoutes,
  incomingReferralOfCase,
  onRemoteStatus,
  type RemoteStatusHandler,
  sendRemoteReferral,
  sendRemoteStatus,
  verifiedPeerChoices,
} from './modules/federation/index.ts';
import { registerWitnessMetrics, witnessApiRoutes } from './modules/witness/index.ts';
import { healthRoutes, registerHealthMetrics } from './modules/health/index.ts';
import {
  intakePlugin,
  prepareApplicantScope,
  registerApplicantCustomisation,
  registerTelegramTracing,
} from './modules/intake/index.ts';
import { startFleetWatcher, unsealWithDevKey, Vault } from './modules/keys/index.ts';
import { ledgerRoutes, ledgerStatementUploadRoutes } from './modules/ledger/index.ts';
import { notificationsOnCaseActivity, notificationsRoutes } from './modules/notifications/index.ts';
import { registerArrivalCounting } from './modules/outreach/index.ts';
import { pathwaysStaffRoutes } from './modules/pathways/index.ts';
import {
  applyRemoteReferralStatus,
  type RemoteReferralSender,
  referralsApplicantRoutes,
  referralsRoutes,
  registerRemoteReferralSender,
} from './modules/referrals/index.ts';
import { reportsRoutes } from './modules/reports/index.ts';
import { retentionRoutes } from './modules/retention/index.ts';
import {
  organisationApplicantRoutes,
  organisationCustomisation,
  organisationRoutes,
  organisationUploadRoutes,
  refreshOrganisation,
} from './modules/organisation/index.ts';
import {
  enqueueCaseMatch,
  telegramTracingHooks,
  tracingApplicantRoutes,
  tracingPartnerRoutes,
  tracingStaffRoutes,
} from './modules/tracing/index.ts';
import { highAssuranceApplicantRoutes, highAssuranceStaffRoutes } from './modules/high-assurance/index.ts';
import { vettingRoutes, vettingUploadRoutes } from './modules/vetting/index.ts';
import { secureDataDir } from './platform/data-dir.ts';
import { AppError } from './platform/errors.ts';
import { ROUTES_ALLOWED_WHILE_SEALED, registerHttpPlatform, sendAppError } from './platform/http.tsx';
import { createLogger } from './platform/logging.ts';
import { AppMetrics } from './platform/metrics.ts';
import type { Clock } from './platform/rate-limit.ts';
import { provideStaffNav } from './platform/ui/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sanctuary: AppContext;
  }
}

// The staff navigation's entries are shown to staff members (src/platform/ui/nav.ts).
declare module './platform/ui/nav.ts' {
  interface StaffNavActor extends StaffActor {}
}

export interface BuildOptions {
  /** An open database (tests pass one); otherwise opened from the config and closed with the app. */
  database?: SanctuaryDatabase;
  logger?: Logger;
  vault?: Vault;
  /** The clock of the in-memory rate limits and sign-in delays (tests pass their own). */
  clock?: Clock;
}

/** Form and JSON bodies on the web surfaces are small; uploads get their own limits. */
const BODY_LIMIT = 64 * 1024;

/**
 * Builds the whole application without listening: database (migrated), seal state,
 * and the three surfaces. Tests drive it with `app.inject`; server.ts listens.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const tightened = secureDataDir(config.dataDir);
  if (tightened > 0) {
    logger.warn({ tightened }, 'the data directory was readable by other users: made private (0700 / 0600)');
  }
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
      onConnectionError: (err) =>
        logger.warn({ err }, 'an idle database connection was lost; it will reconnect'),
    }));
  try {
    await migrateToLatest(database.db);
    const vault = options.vault ?? new Vault();
    if (config.devAutoUnseal && vault.sealed) {
      const unsealed = await unsealWithDevKey(database.db, vault, config.dataDir);
      if (unsealed) {
        logger.warn(
          'development mode: unsealed with the key file under the data directory; never do this in production',
        );
      }
    }
    const metrics = new AppMetrics();
    const ctx: AppContext = {
      config,
      database,
      vault,
      logger,
      limits: createLimits(config, options.clock),
      metrics,
    };
    registerHealthMetrics(ctx);
    registerWitnessMetrics(ctx);
    wireReferralsToFederation();
    // The organisation's name, logo, texts and questions on the applicant pages (ADR 0193).
    registerApplicantCustomisation(organisationCustomisation);
    await refreshOrganisation(ctx);
    if (database.kind === 'postgres') shareLimits(ctx);

    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      // Fastify's own request lines carry URLs and addresses; platform/http.tsx writes a safe one instead.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: BODY_LIMIT,
      // X-Forwarded-For is believed only from the configured proxies, and then only its
      // right-most address that is not one of them (proxy-addr): entries a client wrote
      // itself are further left and never reached (ADR 0089). `trustProxy` (Secure cookies,
      // HSTS) no longer makes every peer a proxy.
      trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
      return503OnClosing: true,
      requestIdHeader: false,
      routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    });
    app.decorate('sanctuary', ctx);
    provideStaffNav(app);
    await app.register(cookie);
    await app.register(formbody, { bodyLimit: BODY_LIMIT });
    registerHttpPlatform(app, { secure: config.trustProxy, metrics });
    // A duress sign-in's empty workspace (ADR 0176) answers before the seal check: it must look
    // the same after the seal it caused.
    registerDecoyWorkspace(app, ctx);
    // The seal is enforced here, once, for every route: while sealed, only routes that
    // touch no personal data answer; everything else gets 503 "sealed". It runs on request,
    // before any body is read or parsed, so a sealed server answers the same whatever is sent.
    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url;
      if (vault.sealed && route !== undefined && !ROUTES_ALLOWED_WHILE_SEALED.has(route)) {
        return sendAppError(request, reply, new AppError('sealed', 'sealed', { retryAfter: 60 }));
      }
      return undefined;
    });
    // Campaign and mirror codes on the landing page: counted per week, then dropped (ADR 0155).
    // The week an arrival counts in is read from the app's clock, so a test can pin it (ADR 0207).
    registerArrivalCounting(app, ctx, { now: () => new Date(ctx.limits.clock()) });
    await app.register(async (scope) => healthRoutes(scope, ctx));
    await app.register(async (staff) => {
      registerStaffGuards(ctx, staff);
      await authRoutes(staff, ctx);
      await adminRoutes(staff, ctx);
      await casesRoutes(staff, ctx);
      // "Check pathways" on a case, under /staff/cases/:ref/pathways (built on the case core).
      await casePathwaysRoutes(staff, ctx);
      await vettingRoutes(staff, ctx);
      await ledgerRoutes(staff, ctx);
      await federationRoutes(staff, ctx);
      await pathwaysStaffRoutes(staff, ctx);
      await referralsRoutes(staff, ctx);
      await reportsRoutes(staff, ctx);
      await evidenceRoutes(staff, ctx);
      await retentionRoutes(staff, ctx);
      await tracingStaffRoutes(staff, ctx);
      await highAssuranceStaffRoutes(staff, ctx);
      // Home page overview and notifications (issue 21 item 3): after auth's routes, which own /staff.
      await notificationsRoutes(staff, ctx);
      await organisationRoutes(staff, ctx);
    });
    // New cases and applicant messages notify staff in their own transaction (ADR 0187).
    onCaseActivity(notificationsOnCaseActivity);
    await app.register(async (scope) => intakePlugin(scope, ctx));
    // Family tracing through the Telegram bot, and re-matching when a person changes (ADRs 0161-0162).
    await app.register(async () => registerTelegramTracing(ctx, telegramTracingHooks(ctx)));
    await app.register(async (scope) => tracingPartnerRoutes(scope, ctx));
    onPersonChanged(enqueueCaseMatch);
    // Family tracing's applicant page (/tracing), with intake's sessions (ADR 0156).
    await app.register(async (scope) => {
      prepareApplicantScope(scope);
      await tracingApplicantRoutes(scope, ctx);
    });
    // The high-assurance path's contact page (/contact), linked from nowhere (ADR 0158).
    await app.register(async (scope) => {
      prepareApplicantScope(scope);
      await highAssuranceApplicantRoutes(scope, ctx);
    });
    // The applicant's consent to a referral, from the inbox (issue 14, ADR 0164).
    await app.register(async (scope) => {
      prepareApplicantScope(scope);
      await referralsApplicantRoutes(scope, ctx);
    });
    // Referrals between Sanctuary servers (issue 14): signed, encrypted packets, JSON in English.
    await app.register(async (scope) => federationApiRoutes(scope, ctx));
    // Witnessed checkpoints (issue 18 item 4): verified peers' checkpoints, countersigned (ADR 0175).
    await app.register(async (scope) => witnessApiRoutes(scope, ctx));
    // Evidence hashes every upload as it arrives (issue 16): its hook joins the intake's runtime.
    await app.register(async () => evidenceUploadHook(ctx));
    // The watchlist upload is multipart: its own scope checks the session and CSRF (vetting.routes.tsx).
    await app.register(async (scope) => vettingUploadRoutes(scope, ctx));
    // The ledger's statement upload is multipart too (ledger.finance.routes.tsx).
    await app.register(async (scope) => ledgerStatementUploadRoutes(scope, ctx));
    // A file kept as evidence is multipart too (evidence.routes.tsx).
    await app.register(async (scope) => evidenceUploadRoutes(scope, ctx));
    // The organisation's logo upload is multipart too, and applicants load the published logo (ADR 0193).
    await app.register(async (scope) => organisationUploadRoutes(scope, ctx));
    await app.register(async (scope) => {
      prepareApplicantScope(scope);
      await organisationApplicantRoutes(scope, ctx);
    });
    // Several instances (ADR 0116): "Seal now" on one seals all; a sealed instance on
    // PostgreSQL whose config pins the audit key may be unsealed by a hand-off from another.
    const fleet = startFleetWatcher(ctx, {
      handoff: database.kind === 'postgres' && config.audit.keyFingerprints.length > 0,
    });
    app.addHook('onClose', async () => {
      await fleet.stop();
      if (ownsDatabase) await database.close();
    });
    return app;
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
}

// ---- referrals between Sanctuary servers (issue 14, ADR 0163) ----------------------------------
// The referrals module and the federation module do not know each other; this is where a
// referral to a `sanctuary_server` partner becomes a sealed, signed packet to its peer, and a
// status packet from that peer becomes the partner's step on the referral.

/** A packet's allow-listed values as the protocol's text fields (lists joined). */
const packetText = (value: unknown): string => (Array.isArray(value) ? value.join(', ') : String(value));

const referralsOverFederation: RemoteReferralSender = {
  async send(ctx, trx, actor, r) {
    await sendRemoteReferral(
      ctx,
      actor,
      {
        peerId: r.peerId,
        localRef: r.referralId,
        fields: Object.fromEntries(Object.entries(r.packet).map(([k, v]) => [k, packetText(v)])),
        consent: { fields: [...r.consent.fields], givenOn: r.consent.on, how: r.consent.via },
      },
      trx,
    );
  },
  async withdraw(ctx, trx, actor, referralId, peerId) {
    await sendRemoteStatus(ctx, actor, { peerId, localRef: referralId, status: 'withdrawn' }, trx);
  },
  peers: (_ctx, db) => verifiedPeerChoices(db),
  incoming: (_ctx, db, caseId) => incomingReferralOfCase(db, caseId),
  async answer(ctx, trx, actor, { caseId, status, note }) {
    await answerIncomingReferral(ctx, actor, { caseId, status, ...(note === '' ? {} : { note }) }, trx);
  },
};

/** A status from the peer a referral was sent to: that partner's step (withdrawals of ours are the federation's). */
const statusToReferral: RemoteStatusHandler = async (trx, update, ctx) => {
  if (update.direction !== 'outgoing') return;
  await applyRemoteReferralStatus(ctx, trx, {
    referralId: update.ref,
    peerId: update.peerId,
    to: update.status,
    note: update.note,
  });
};

/** Idempotent (the same sender object, the same handler in a set): every app built in a process shares it. */
function wireReferralsToFederation(): void {
  registerRemoteReferralSender(referralsOverFederation);
  onRemoteStatus(statusToReferral);
}
