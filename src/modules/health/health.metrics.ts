import type { AppContext } from '../../context.ts';
import { countJobs } from '../jobs/index.ts';

const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;
const POOL_STATES = ['busy', 'idle', 'waiting'] as const;

/**
 * The instance-wide gauges (ADR 0111): seal state, background jobs by state (one grouped count
 * at each scrape, from the shared queue, so every instance reports the same figures), and the
 * PostgreSQL connection pool. Registered once per app by buildApp.
 */
export function registerHealthMetrics(ctx: AppContext): void {
  const { metrics, vault, database } = ctx;
  metrics.gauge(
    'sanctuary_sealed',
    '1 while this instance is sealed (no key in memory), 0 when unsealed',
    () => (vault.sealed ? 1 : 0),
  );
  metrics.labelledGauge(
    'sanctuary_jobs',
    'Background jobs in the shared queue by state (all instances together)',
    'state',
    JOB_STATES,
    () => countJobs(database.db),
  );
  const pool = database.poolFigures;
  if (pool === undefined) return; // the embedded database has no pool
  metrics.labelledGauge(
    'sanctuary_db_pool_connections',
    'PostgreSQL pool of this instance: connections in use (busy), idle, and callers waiting for one',
    'state',
    POOL_STATES,
    () => {
      const f = pool();
      return { busy: f.total - f.idle, idle: f.idle, waiting: f.waiting };
    },
  );
  metrics.gauge(
    'sanctuary_db_pool_max',
    'PostgreSQL pool size of this instance (most connections it opens)',
    () => pool().max,
  );
}
