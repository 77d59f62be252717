import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../src/db/migrate.ts';
import { PGliteDialect } from '../src/db/pglite-dialect.ts';
import type { Database } from '../src/db/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dbMode: 'pglite' | 'postgres';
    pgliteTemplate: string;
    pgTemplateName: string;
    pgAdminUrl: string;
  }
}

/**
 * Builds one migrated database template per test run. Each test file then gets its own
 * fresh database from it: a PGlite data-directory dump, or `CREATE DATABASE … TEMPLATE`
 * on PostgreSQL (when DATABASE_URL is set, as .ci/run does on its second pass).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') {
    const templateName = `sanctuary_tpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${templateName}`);
    await admin.query(`create database ${templateName}`);
    const tplUrl = new URL(url);
    tplUrl.pathname = `/${templateName}`;
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: tplUrl.toString(), max: 1 }) }),
    });
    await migrateToLatest(db);
    await db.destroy();
    project.provide('dbMode', 'postgres');
    project.provide('pgTemplateName', templateName);
    project.provide('pgAdminUrl', url);
    project.provide('pgliteTemplate', '');
    return async () => {
      await admin.query(`drop database if exists ${templateName}`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sanctuary-tpl-'));
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir('none');
  await db.destroy();
  const path = join(dir, 'template.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  project.provide('dbMode', 'pglite');
  project.provide('pgliteTemplate', path);
  project.provide('pgTemplateName', '');
  project.provide('pgAdminUrl', '');
  return async () => rmSync(dir, { recursive: true, force: true });
}
