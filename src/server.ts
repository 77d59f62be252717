import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config/config.ts';
import type { AppContext } from './context.ts';
import { startAdminChannel, writeCheckpoint } from './modules/admin/index.ts';
import { auditTrust } from './modules/audit/index.ts';
import { casesJobHandlers, scheduleReportCompaction } from './modules/cases/index.ts';
import { federationJobHandlers } from './modules/federation/index.ts';
import { intakeJobHandlers, scheduleIdempotencyPurge } from './modules/intake/index.ts';
import { retentionJobHandlers, scheduleRetention } from './modules/retention/index.ts';
import { JobRunner } from './modules/jobs/index.ts';
import { notificationsJobHandlers, scheduleMailDigests } from './modules/notifications/index.ts';
import { scheduleSilenceCheck, witnessJobHandlers } from './modules/witness/index.ts';
import { ledgerJobHandlers, scheduleLedgerExpiry } from './modules/ledger/index.ts';
import { loadKeptContentPack } from './modules/pathways/index.ts';
import { referralsJobHandlers, scheduleReferralJobs } from './modules/referrals/index.ts';
import { vettingJobHandlers } from './modules/vetting/index.ts';
import { tracingJobHandlers } from './modules/tracing/index.ts';
import { startHealthListener } from './platform/health-listener.ts';
import { createLogger } from './platform/logging.ts';
import { startOnionListener } from './platform/onion-listener.ts';

/** How often the audit head is signed while unsealed (and again at shutdown and on seal). */
const CHECKPOINT_EVERY_MS = 5 * 60_000;

/**
 * The process's job runner with every module's handlers. Jobs that need keys are not claimed
 * while sealed; the server wakes the runner when it is unsealed.
 */
export function createAppJobRunner(ctx: AppContext): JobRunner {
  return new JobRunner({
    db: ctx.database.db,
    logger: ctx.logger,
    isSealed: () => ctx.vault.sealed,
    handlers: [
      ...vettingJobHandlers(ctx),
      ...casesJobHandlers(ctx),
      ...intakeJobHandlers(ctx),
      ...ledgerJobHandlers(ctx),
      ...federationJobHandlers(ctx),
      ...referralsJobHandlers(ctx),
      ...retentionJobHandlers(ctx),
      ...tracingJobHandlers(ctx),
      ...witnessJobHandlers(ctx),
      ...notificationsJobHandlers(ctx),
    ],
  });
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/**
 * Listens, opens the local admin channel, signs audit checkpoints periodically, and
 * shuts down gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight requests,
 * sign a last checkpoint, close the database, release the data-directory lock.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const app = await buildApp(config, { logger });
  const ctx = app.sanctuary;
  let admin: Server | undefined;
  let onion: NetServer | undefined;
  let health: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  const jobs = createAppJobRunner(ctx);
  try {
    // A content pack published earlier serves again (or is refused, logged and audited, and the
    // built-in content serves): before the first request, so no answer mixes the two.
    await loadKeptContentPack(ctx);
    admin = await startAdminChannel(ctx);
    await app.listen({ port: config.port, host: config.host });
    if (config.onionPort !== undefined) {
      // Loopback only: the PROXY line is trusted, so only the local Tor daemon may connect.
      onion = await startOnionListener({ http: app.server, host: '127.0.0.1', port: config.onionPort });
    }
    if (config.healthPort !== undefined) {
      // Loopback only, like the onion port: health checks and the metrics scrape come from this
      // machine (or through a tunnel an operator sets up; ADR 0111).
      ctx.metrics.collectProcessMetrics();
      health = await startHealthListener({
        app,
        host: '127.0.0.1',
        port: config.healthPort,
        metrics: ctx.metrics,
      });
    }
  } catch (error) {
    admin?.close();
    onion?.close();
    health?.close();
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  if (ctx.database.kind === 'pglite') {
    logger.warn(
      { database: 'embedded', dataDir: config.dataDir },
      'embedded database (PGlite): commits survive a crash of this process but are NOT flushed to disk (no fsync) and can be lost on power failure or an OS crash; use PostgreSQL (DATABASE_URL) in production',
    );
  } else {
    logger.info({ database: 'postgresql' }, 'using PostgreSQL');
  }
  if (health !== undefined) {
    logger.info(
      { healthPort: config.healthPort },
      'health-check port: /healthz, /readyz and /metrics only, loopback',
    );
  }
  if (config.trustProxy && config.trustedProxies.length === 0) {
    logger.warn(
      "SANCTUARY_TRUST_PROXY is true but SANCTUARY_TRUSTED_PROXIES is empty: every client behind the proxy shares one rate-limit allowance; set it to the proxy's address, e.g. 127.0.0.1,::1 (docs/OPERATIONS.md, ADR 0089)",
    );
  }
  if (onion !== undefined) {
    logger.info(
      { onionPort: config.onionPort },
      'onion-service port: Tor circuits are told apart by the PROXY protocol (HiddenServiceExportCircuitID haproxy)',
    );
  }
  logger.info(
    { url, sealed: ctx.vault.sealed, env: config.env },
    ctx.vault.sealed ? 'listening (sealed: run "sanctuary unseal")' : 'listening',
  );

  let lastCheckpointSeq = -1;
  const checkpoint = async () => {
    if (ctx.vault.sealed) return;
    const written = await writeCheckpoint(ctx);
    if (written !== undefined) lastCheckpointSeq = written.seq;
  };
  timer = setInterval(() => {
    checkpoint().catch((err: unknown) => logger.error({ err }, 'audit checkpoint failed'));
  }, CHECKPOINT_EVERY_MS);
  timer.unref();

  // Background jobs: started here, paused by the seal (no job that needs keys is claimed while
  // sealed), woken by an unseal, and stopped, after the job in hand, on shutdown.
  await scheduleLedgerExpiry(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the ledger expiry failed'),
  );
  await scheduleReferralJobs(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the referral jobs failed'),
  );
  await scheduleIdempotencyPurge(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the idempotency purge failed'),
  );
  await scheduleReportCompaction(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the report summary compaction failed'),
  );
  await scheduleRetention(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the daily retention run failed'),
  );
  // E-mail digests, only when an SMTP server is configured (ADR 0188).
  await scheduleMailDigests(ctx, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the e-mail digests failed'),
  );
  // The witness silence alarm, every 5 minutes (ADR 0213).
  await scheduleSilenceCheck(ctx.database.db, new Date()).catch((err: unknown) =>
    logger.error({ err }, 'queueing the witness silence check failed'),
  );
  jobs.start();
  const unsubscribe = ctx.vault.onChange((sealed) => {
    if (!sealed) {
      jobs.wake();
      checkAuditKeyPin(ctx);
    }
  });
  if (!ctx.vault.sealed) checkAuditKeyPin(ctx);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (timer !== undefined) clearInterval(timer);
      unsubscribe();
      await jobs.stop().catch((err: unknown) => logger.error({ err }, 'stopping the job runner failed'));
      await new Promise<void>((resolve) => (admin === undefined ? resolve() : admin.close(() => resolve())));
      await new Promise<void>((resolve) => (onion === undefined ? resolve() : onion.close(() => resolve())));
      await new Promise<void>((resolve) =>
        health === undefined ? resolve() : health.close(() => resolve()),
      );
      await checkpoint().catch((err: unknown) => logger.error({ err }, 'final audit checkpoint failed'));
      await app.close();
      logger.info({ lastCheckpointSeq }, 'stopped');
    })();
    return stopping;
  };
  return { app, url, stop };
}

/**
 * Compares the unsealed keyring's audit key with the pinned fingerprint (ADR 0085): a
 * mismatch means the configuration or the keyring is not the organisation's, and every
 * checkpoint signed now will fail verification. Said loudly; no pin at all is said too.
 */
function checkAuditKeyPin(ctx: AppContext): void {
  const trust = auditTrust(ctx.config.audit, ctx.vault.requireKeyring());
  if (trust.mismatch !== undefined) ctx.logger.error({ event: 'audit.key_mismatch' }, trust.mismatch);
  else if (ctx.config.audit.keyFingerprints.length === 0) {
    ctx.logger.warn(
      { auditKeyFingerprint: trust.keyringFingerprint },
      'the audit key is not pinned: set SANCTUARY_AUDIT_KEY_FINGERPRINT to this fingerprint (after checking it against your records from "keys init"), so that "audit verify" can tell a forged checkpoint without the server',
    );
  } else
    ctx.logger.info(
      { auditKeyFingerprint: trust.keyringFingerprint },
      'audit key matches the pinned fingerprint',
    );
}

/** Installs SIGTERM/SIGINT handlers that stop the server once, then exit. */
export function stopOnSignals(server: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, 'shutting down');
    server
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
