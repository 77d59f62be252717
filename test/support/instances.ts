import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { buildConfig, type Config } from '../../src/config/config.ts';
import type { AppContext } from '../../src/context.ts';
import { openDatabase, type SanctuaryDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { testDb } from './db.ts';

/**
 * Several app instances of one deployment on one database (issue 17): each is a whole
 * `buildApp` with its own connection pool on PostgreSQL (on PGlite, which one process owns,
 * they share the database object: still nothing but the database is shared). They share the
 * data directory only for the development key file (and, on PGlite, the blob directory).
 */
export interface Fleet {
  config: Config;
  dataDir: string;
  /** Starts one more instance; `sealed` keeps it sealed (no development key). */
  start(options?: { sealed?: boolean; config?: Partial<Config> }): Promise<Instance>;
  close(): Promise<void>;
}

export interface Instance {
  app: FastifyInstance;
  ctx: AppContext;
  logs: () => string;
  close(): Promise<void>;
}

export async function buildFleet(overrides: Partial<Config> = {}): Promise<Fleet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-fleet-'));
  const shared = await testDb();
  const config = buildConfig({ dataDir, logLevel: 'info', ...overrides });
  const open: Instance[] = [];
  return {
    config,
    dataDir,
    async start(options = {}) {
      let own: SanctuaryDatabase | undefined;
      if (shared.url !== undefined) {
        own = await openDatabase({ databaseUrl: shared.url, poolSize: 4, onConnectionError: () => {} });
      }
      const chunks: string[] = [];
      const app = await buildApp(
        { ...config, devAutoUnseal: options.sealed !== true, ...options.config },
        {
          database: own ?? shared,
          logger: createLogger('info', {
            write: (line: string) => {
              chunks.push(line);
              return true;
            },
          }),
        },
      );
      let closed = false;
      const instance: Instance = {
        app,
        ctx: app.sanctuary,
        logs: () => chunks.join(''),
        async close() {
          if (closed) return;
          closed = true;
          await app.close();
          await own?.close();
        },
      };
      open.push(instance);
      return instance;
    },
    async close() {
      for (const i of open) await i.close();
      await shared.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
