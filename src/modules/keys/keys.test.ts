import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { generateDataKey, wrapDataKey } from '../../crypto/index.ts';
import { ROUTES_ALLOWED_WHILE_SEALED } from '../../platform/http.tsx';
import { createCase, readCase } from '../cases/index.ts';
import {
  devKeyPath,
  initShamirKeys,
  openOrCreateSubjectKey,
  openSubjectKey,
  rotateRootKey,
  sealServer,
  submitUnsealShare,
  unsealWithDevKey,
} from './keys.service.ts';
import { Vault } from './vault.ts';

describe('sealed server', () => {
  let t: TestApp;
  let shares: string[];

  beforeEach(async () => {
    t = await buildTestApp({ sealed: true });
    ({ shares } = await initShamirKeys(t.ctx.database.db, { shares: 5, threshold: 3 }));
  });
  afterEach(async () => t.close());

  it('starts sealed and says so on /readyz', async () => {
    expect(t.ctx.vault.sealed).toBe(true);
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'sealed' });
  });

  it('answers 503 on every route that may touch personal data', async () => {
    const routes = t.app.routeTable.filter((r) => !ROUTES_ALLOWED_WHILE_SEALED.has(r.url));
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, (_m, name: string) =>
        name === 'id' ? '00000000-0000-4000-8000-000000000000' : 'a'.repeat(43),
      );
      const res =
        route.method === 'GET'
          ? await t.app.inject({ method: 'GET', url })
          : await t.app.inject({ method: route.method as 'POST', url, payload: {} });
      expect.soft(res.statusCode, `${route.method} ${route.url}`).toBe(503);
      expect.soft(res.headers['retry-after'], `${route.method} ${route.url}`).toBeDefined();
    }
  });

  it('stays sealed with k-1 shares and unseals with k', async () => {
    const first = await submitUnsealShare(t.ctx.database.db, t.ctx.vault, shares[0]!);
    expect(first).toMatchObject({ sealed: true, progress: { received: 1, threshold: 3 } });
    // The same share twice does not count twice.
    await submitUnsealShare(t.ctx.database.db, t.ctx.vault, shares[0]!);
    const second = await submitUnsealShare(t.ctx.database.db, t.ctx.vault, shares[3]!);
    expect(second).toMatchObject({ sealed: true, progress: { received: 2, threshold: 3 } });
    expect((await t.app.inject('/readyz')).statusCode).toBe(503);
    const third = await submitUnsealShare(t.ctx.database.db, t.ctx.vault, shares[4]!);
    expect(third.sealed).toBe(false);
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
    expect((await t.app.inject('/staff/login')).statusCode).toBe(200);
  });

  it('refuses a share of another key and a malformed share', async () => {
    const other = await buildTestApp({ sealed: true });
    try {
      const { shares: foreign } = await initShamirKeys(other.ctx.database.db, { shares: 3, threshold: 2 });
      await expect(submitUnsealShare(t.ctx.database.db, t.ctx.vault, foreign[0]!)).rejects.toMatchObject({
        code: 'validation_failed',
      });
    } finally {
      await other.close();
    }
    await expect(
      submitUnsealShare(t.ctx.database.db, t.ctx.vault, 'sanctuary-share-v1.zz'),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(t.ctx.vault.status().progress).toBeNull();
  });

  it('refuses a second keys init', async () => {
    await expect(initShamirKeys(t.ctx.database.db, { shares: 3, threshold: 2 })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('seals again on demand, drops the key and audits both acts', async () => {
    for (const s of shares.slice(0, 3)) await submitUnsealShare(t.ctx.database.db, t.ctx.vault, s);
    const { id } = await createCase(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { person: { givenName: 'Иван' }, story: 'x' },
    );
    await sealServer(t.ctx.database.db, t.ctx.vault, 'cli');
    expect(t.ctx.vault.sealed).toBe(true);
    await expect(readCase(t.ctx, { kind: 'cli', id: 'cli' }, id)).rejects.toMatchObject({ code: 'sealed' });
    const actions = (
      await t.ctx.database.db.selectFrom('audit_log').select('action').orderBy('seq').execute()
    ).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'keys.init',
        'server.unseal_share',
        'server.unseal',
        'case.create',
        'server.seal',
      ]),
    );
  });

  it('rotates the root key by re-wrapping data keys; old data still opens, old shares no longer do', async () => {
    for (const s of shares.slice(0, 3)) await submitUnsealShare(t.ctx.database.db, t.ctx.vault, s);
    const actor = { kind: 'cli' as const, id: 'cli' as const };
    const { id } = await createCase(t.ctx, actor, {
      person: { familyName: 'Филатьев' },
      story: 'before rotation',
    });
    await buildStaff(t.ctx, 'caseworker');
    const oldKeyId = t.ctx.vault.status().keyId;
    const rotated = await rotateRootKey(t.ctx.database.db, t.ctx.vault, {
      shares: 3,
      threshold: 2,
      actor: 'cli',
    });
    expect(rotated.keyId).not.toBe(oldKeyId);
    expect(rotated.rewrapped).toBe(2);
    expect((await readCase(t.ctx, actor, id)).story).toBe('before rotation');
    t.ctx.vault.seal();
    await expect(submitUnsealShare(t.ctx.database.db, t.ctx.vault, shares[0]!)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    for (const s of rotated.shares.slice(0, 2)) await submitUnsealShare(t.ctx.database.db, t.ctx.vault, s);
    expect(t.ctx.vault.sealed).toBe(false);
    expect((await readCase(t.ctx, actor, id)).person.familyName).toBe('Филатьев');
  });

  it('seals another process that still holds the retired key, instead of failing on every request', async () => {
    const db = t.ctx.database.db;
    for (const s of shares.slice(0, 3)) await submitUnsealShare(db, t.ctx.vault, s);
    const { id } = await createCase(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { person: { givenName: 'Иван' }, story: 'x' },
    );
    // A second app process on the same database, unsealed with the same shares.
    const other = new Vault();
    for (const s of shares.slice(1, 4)) await submitUnsealShare(db, other, s);
    // A data key this process wraps just before another one rotates.
    const late = wrapDataKey(other.requireKeyring(), 'case:late', generateDataKey());
    await rotateRootKey(db, t.ctx.vault, { actor: 'cli' });
    await expect(openSubjectKey(db, other, `case:${id}`)).rejects.toMatchObject({ code: 'sealed' });
    expect(other.sealed).toBe(true);
    // A data key wrapped with the retired key (a write racing the rotation) is refused, not stored.
    await expect(
      db
        .insertInto('data_keys')
        .values({ subject: 'case:late', key_id: late.keyId, wrapped: late.wrapped })
        .execute(),
    ).rejects.toThrow(/retired or unknown/);
    expect(
      await db.selectFrom('data_keys').select('subject').where('subject', '=', 'case:late').execute(),
    ).toEqual([]);
  });
});

describe('development key file across rotation', () => {
  it('finds the committed key in root.key.next when a rotation died before renaming it', async () => {
    const t = await buildTestApp();
    try {
      const db = t.ctx.database.db;
      const path = devKeyPath(t.dataDir);
      const before = readFileSync(path, 'utf8');
      const rotated = await rotateRootKey(db, t.ctx.vault, { actor: 'cli', dataDir: t.dataDir });
      expect(rotated.shares).toEqual([]);
      expect(readFileSync(path, 'utf8')).not.toBe(before);
      expect(existsSync(`${path}.next`)).toBe(false);
      // The crash: the database committed the new key, the file still holds the old one.
      renameSync(path, `${path}.next`);
      writeFileSync(path, before, { mode: 0o600 });
      const restarted = new Vault();
      expect(await unsealWithDevKey(db, restarted, t.dataDir)).toBe(true);
      expect(restarted.status().keyId).toBe(rotated.keyId);
      expect(existsSync(`${path}.next`)).toBe(false);
      restarted.seal();
    } finally {
      await t.close();
    }
  });
});

describe('subject keys created on first use', () => {
  // One app for both checks: each uses its own subject, and neither seals or rotates.
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('creates a subject key once: later and concurrent callers open the same key', async () => {
    const db = t.ctx.database.db;
    const subject = 'vetting:first-use';
    const [a, b] = await Promise.all([
      openOrCreateSubjectKey(db, t.ctx.vault, subject),
      openOrCreateSubjectKey(db, t.ctx.vault, subject),
    ]);
    const again = await openOrCreateSubjectKey(db, t.ctx.vault, subject);
    const stored = await db
      .selectFrom('data_keys')
      .select('subject')
      .where('subject', '=', subject)
      .execute();
    expect(stored).toHaveLength(1);
    expect(Buffer.from(a.material)).toEqual(Buffer.from(again.material));
    expect(Buffer.from(b.material)).toEqual(Buffer.from(again.material));
    for (const key of [a, b, again]) key.dispose();
  });

  it('creates the key inside the caller transaction: rolled back with it', async () => {
    const db = t.ctx.database.db;
    await expect(
      db.transaction().execute(async (trx) => {
        (await openOrCreateSubjectKey(trx, t.ctx.vault, 'watchlist:rolled-back')).dispose();
        throw new Error('the caller fails after creating the key');
      }),
    ).rejects.toThrow('the caller fails');
    await expect(openSubjectKey(db, t.ctx.vault, 'watchlist:rolled-back')).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
