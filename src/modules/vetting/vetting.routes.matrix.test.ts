import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase } from '../../../test/support/factories.ts';
import { servedRoutes } from '../../../test/support/routes.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { encryptField } from '../../crypto/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { createSubjectKey } from '../keys/index.ts';
import { insertWatchlist, upsertSignal } from './vetting.repository.ts';
import { openVettingKey, watchlistSubject } from './vetting-keys.ts';

/**
 * The authorisation matrix: every route under /staff/vetting × every role × {an existing
 * record, a missing one}. Allowed cells answer 200 or 303; refused ones 404 and leave every
 * table exactly as it was. The route list comes from the running app, so a route added
 * without an entry here fails the first test.
 */
type Scope = 'existing' | 'missing';
type Role = StaffRoleName;

interface Fixture {
  signalId: string;
  watchlistId: string;
}

interface RouteSpec {
  allowed(role: Role, scope: Scope): boolean;
  body?(f: Fixture): Record<string, string>;
  multipart?: boolean;
}

const OFFICERS: Role[] = ['vetting_officer'];
const QUEUE: Role[] = ['vetting_officer', 'coordinator'];
const is = (roles: Role[]) => (role: Role) => roles.includes(role);
const pageRoute = (roles: Role[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role) => is(roles)(role),
  ...extra,
});
const recordRoute = (roles: Role[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role, scope) => scope === 'existing' && is(roles)(role),
  ...extra,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/vetting': pageRoute(QUEUE),
  'GET /staff/vetting/signals/:signalId': recordRoute(QUEUE),
  'POST /staff/vetting/signals/:signalId/decision': recordRoute(OFFICERS, {
    body: () => ({ version: '1', decision: 'different', reason: 'different birth places and ages' }),
  }),
  // Coordinators see every import with its provenance (ADR 0095); only officers import.
  'GET /staff/vetting/watchlists': pageRoute(QUEUE),
  'POST /staff/vetting/watchlists': pageRoute(OFFICERS, {
    multipart: true,
    body: () => ({
      label: 'Shared list',
      source: 'Partner hotline, 2026-12-01',
      file: '{"id":"w1","givenName":"Пётр","familyName":"Орлов"}\n',
    }),
  }),
  'POST /staff/vetting/watchlists/:watchlistId/retire': recordRoute(OFFICERS),
};

let t: TestApp;
const clients = new Map<Role, { client: Client; staff: TestStaff; csrf: string }>();
let caseIds: string[] = [];

beforeAll(async () => {
  t = await buildTestApp();
  for (const role of STAFF_ROLES) {
    const staff = await buildStaff(t.ctx, role);
    const client = await signInClient(t.app, staff);
    const page = await client.get('/staff/login');
    clients.set(role, { client, staff, csrf: Client.csrfOf(page.body) });
  }
  const a = await buildCase(t.ctx, {
    person: { givenName: 'Павел', familyName: 'Филатьев', documents: [], family: [] },
  });
  const b = await buildCase(t.ctx, {
    person: { givenName: 'Pavel', familyName: 'Filatyev', documents: [], family: [] },
  });
  caseIds = [a.id, b.id];
}, 300_000);
afterAll(async () => t.close());

async function snapshot(): Promise<string> {
  const tables = [
    'cases',
    'case_events',
    'case_person_index',
    'vetting_signals',
    'vetting_signal_cases',
    'vetting_decisions',
    'linkage_labels',
    'linkage_models',
    'linkage_block_index',
    'watchlists',
    'watchlist_entries',
    'watchlist_block_index',
    'case_approvals',
    'jobs',
    'audit_log',
    'data_keys',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const r = await sql<{
      h: string | null;
    }>`select md5(string_agg(x::text, ',' order by x::text)) as h from ${sql.table(table)} x`.execute(
      t.ctx.database.db,
    );
    parts.push(`${table}:${r.rows[0]?.h ?? ''}`);
  }
  return parts.join('|');
}

/** A fresh open signal and a fresh watchlist for one cell. */
async function fixture(scope: Scope): Promise<Fixture> {
  const db = t.ctx.database.db;
  const key = await openVettingKey(t.ctx, db);
  const { id: signalId } = await upsertSignal(db, {
    kind: 'duplicate',
    pairKey: randomUUID(),
    caseIds,
    watchlistEntryId: null,
    score: 0.97,
    detail: (rowId) =>
      encryptField(
        key,
        JSON.stringify({
          type: 'pair',
          probability: 0.97,
          weight: 5,
          swappedNames: false,
          fields: [{ field: 'familyName', level: 'same', weight: 6.2 }],
          documentMatch: false,
          threshold: 0.9,
          model: 'prior',
        }),
        { table: 'vetting_signals', column: 'detail', rowId },
      ),
  });
  key.dispose();
  const watchlistId = randomUUID();
  const listKey = await createSubjectKey(db, t.ctx.vault, watchlistSubject(watchlistId));
  await insertWatchlist(db, {
    id: watchlistId,
    label_enc: encryptField(listKey, 'list', { table: 'watchlists', column: 'label', rowId: watchlistId }),
    format: 'plain',
    fingerprint: null,
    secret_enc: null,
    clk_bits: null,
    clk_hardening: null,
    entries: 0,
    imported_by: clients.get('vetting_officer')!.staff.id,
    source_enc: encryptField(listKey, 'partner', {
      table: 'watchlists',
      column: 'source',
      rowId: watchlistId,
    }),
  });
  listKey.dispose();
  return scope === 'missing'
    ? { signalId: randomUUID(), watchlistId: randomUUID() }
    : { signalId, watchlistId };
}

function urlFor(path: string, f: Fixture): string {
  return `${path.replace(':signalId', f.signalId).replace(':watchlistId', f.watchlistId)}?lang=en`;
}

/** A multipart/form-data body: fields in order, the "file" field as a file part. */
function multipartBody(fields: Record<string, string>): { body: string; type: string } {
  const boundary = `----sanctuary${randomUUID()}`;
  let body = '';
  for (const [name, value] of Object.entries(fields)) {
    body += `--${boundary}\r\n`;
    body +=
      name === 'file'
        ? `Content-Disposition: form-data; name="file"; filename="list.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n`
        : `Content-Disposition: form-data; name="${name}"\r\n\r\n`;
    body += `${value}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('authorisation matrix of the vetting queue', () => {
  it('has an entry for every route the app serves under /staff/vetting', async () => {
    expect(await servedRoutes(t.app, ['/staff/vetting'])).toEqual(Object.keys(MATRIX).sort());
  });

  const cells = Object.keys(MATRIX).flatMap((route) =>
    STAFF_ROLES.flatMap((role) =>
      (['existing', 'missing'] as const).map((scope) => ({ route, role, scope })),
    ),
  );

  it.each(cells)('$route as $role on $scope record', async ({ route, role, scope }) => {
    const spec = MATRIX[route]!;
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    const f = await fixture(scope);
    const { client, csrf } = clients.get(role)!;
    const before = await snapshot();
    let res: Awaited<ReturnType<Client['get']>>;
    if (method === 'GET') res = await client.get(urlFor(path, f));
    else if (spec.multipart === true) {
      const { body, type } = multipartBody({ _csrf: csrf, ...(spec.body?.(f) ?? {}) });
      res = await t.app.inject({
        method: 'POST',
        url: urlFor(path, f),
        headers: { cookie: client.cookieHeader, 'content-type': type },
        payload: body,
      });
    } else res = await client.post(urlFor(path, f), { _csrf: csrf, ...(spec.body?.(f) ?? {}) });
    if (spec.allowed(role, scope)) {
      expect([200, 303], `${route} ${role} ${scope}: ${res.body.slice(0, 300)}`).toContain(res.statusCode);
    } else {
      expect(res.statusCode, `${route} ${role} ${scope}`).toBe(404);
      expect(await snapshot()).toBe(before);
    }
  });
});
