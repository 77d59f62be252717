import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { createFailoverPool, type FailoverPool } from './failover.ts';
import { acquireDataDirLock, type DataDirLock } from './lock.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { Database } from './types.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface SanctuaryDatabase {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Where the embedded database keeps its files (undefined for PostgreSQL or in-memory). */
  readonly dataPath: string | undefined;
  /** PostgreSQL only: the pool that follows the primary (which host, how many failovers). */
  readonly pool?: FailoverPool;
  /** PostgreSQL only: the connection pool's figures now (for the metrics; ADR 0111). */
  readonly poolFigures?: () => PoolFigures;
  close(): Promise<void>;
}

/** Connections of the pool: open, idle among them, callers waiting for one, and the most allowed. */
export interface PoolFigures {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface DatabaseOptions {
  /** PostgreSQL: one host or a list; the app uses whichever accepts writes (ADR 0118). */
  databaseUrl?: string | undefined;
  /** Data directory for the embedded database; `undefined` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Embedded only: start from this dump (test template). */
  loadDataDir?: Blob | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** PostgreSQL: how long acquiring a connection keeps trying through a failover (ms). */
  connectRetryMs?: number;
  /**
   * Called when an idle PostgreSQL connection dies (server restart, failover). Without a
   * listener, `pg` would crash the process; with one, the pool reconnects on next use.
   */
  onConnectionError?: (error: Error) => void;
}

const INT8 = 20;
const DATE = 1082;
// int8 fits the audit sequence and counters; read as a JS number (safe below 2^53).
const parseInt8 = (v: string) => Number(v);
// Dates stay 'YYYY-MM-DD' strings: no time zone shifts, and day granularity is the point.
const parseDate = (v: string) => v;

/** Opens the embedded database (PGlite) or PostgreSQL, as the config says. */
export async function openDatabase(options: DatabaseOptions): Promise<SanctuaryDatabase> {
  if (options.databaseUrl !== undefined) {
    const pool = createFailoverPool({
      url: options.databaseUrl,
      max: options.poolSize ?? 10,
      ...(options.connectRetryMs === undefined ? {} : { connectRetryMs: options.connectRetryMs }),
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === INT8) return parseInt8;
          if (oid === DATE) return parseDate;
          return pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
      ...(options.onConnectionError === undefined ? {} : { onConnectionError: options.onConnectionError }),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const max = options.poolSize ?? 10;
    return {
      db,
      kind: 'postgres',
      dataPath: undefined,
      pool,
      poolFigures: () => ({ ...pool.figures(), max }),
      close: () => db.destroy(),
    };
  }
  let lock: DataDirLock | undefined;
  let dataPath: string | undefined;
  if (options.dataDir !== undefined) {
    lock = acquireDataDirLock(options.dataDir);
    dataPath = join(options.dataDir, 'pgdata');
  }
  try {
    const pglite = await PGlite.create({
      ...(dataPath === undefined ? {} : { dataDir: dataPath }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      parsers: { [INT8]: parseInt8, [DATE]: parseDate },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      dataPath,
      async close() {
        try {
          await db.destroy();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** bytea comes back as Uint8Array from PGlite and Buffer from pg: one view for both. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
