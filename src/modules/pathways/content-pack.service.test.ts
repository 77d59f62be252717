import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client as C, loginAs, type TestApp } from '../../../test/support/app.ts';
import { expectSameBytes } from '../../../test/support/bytes.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import {
  builtInContent,
  correctedContent,
  correction,
  editPack,
  newPackKey,
  packOf,
  TITLE,
} from '../../../test/support/pathways-pack.ts';
import type { Actor } from '../../access/index.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { callAdmin } from '../../cli/admin-client.ts';
import type { ContentSigningKeyPair } from '../../crypto/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { startAdminChannel } from '../admin/index.ts';
import type { ContentFile } from './content-loader.ts';
import { contentPackFile, loadKeptContentPack, publishContentPack } from './content-pack.service.ts';
import { MAX_PACK_BYTES } from './content-pack.ts';
import { getKnowledgeBase, resetKnowledgeBase, servingContentPack } from './knowledge.ts';
import { canPublishContentPack } from './pathways.policy.ts';

/**
 * Publishing content packs to the running server (ADR 0103), from the attacker's side: every
 * hostile pack is refused with its reason, audited, and the content that served before keeps
 * serving (in memory and in the kept file); a valid pack serves at once, on the applicant page,
 * on the staff check and in saved checks, and again after a restart.
 */
const CLI: Actor = { kind: 'cli', id: 'cli' };
let t: TestApp;
let key: ContentSigningKeyPair;
let other: ContentSigningKeyPair;
let files: ContentFile[];
let builtInVersion: string;

beforeAll(async () => {
  key = newPackKey();
  other = newPackKey();
  files = await builtInContent();
  builtInVersion = (await getKnowledgeBase()).version;
  t = await buildTestApp({ config: { pathwaysPackKeys: [other.publicKeyHex, key.publicKeyHex] } });
}, 120_000);
afterAll(async () => t.close());
afterEach(() => resetKnowledgeBase());

/** Signed packs are deterministic; each is built once per file (building one validates all the content). */
const packs = new Map<string, Buffer>();
const pack = (n: number, created: string, signer = key): Buffer => {
  const id = `${n} ${created} ${signer.publicKeyHex}`;
  let built = packs.get(id);
  if (built === undefined) {
    built = packOf(correctedContent(files, n), signer.privateKeyPem, created);
    packs.set(id, built);
  }
  return built;
};

async function auditOf(action: string) {
  return t.ctx.database.db
    .selectFrom('audit_log')
    .select(['actor', 'action', 'target', 'reason'])
    .where('action', '=', action)
    .orderBy('seq')
    .execute();
}

/** Publishes and returns the refusal: its code and message. */
async function refused(bytes: Buffer, force = false): Promise<{ code: string; message: string }> {
  try {
    await publishContentPack(t.ctx, CLI, bytes, { force });
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the pack was accepted');
}

async function applicantPage(): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/pathways?lang=en',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      citizenship: 'RU',
      location: 'RU',
      applicantType: 'conscript',
      documents: 'internal_passport',
    }).toString(),
  });
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('a valid pack', () => {
  it('serves at once: the applicant page shows its content and version; audited; kept for restarts', async () => {
    const bytes = pack(1, '2026-12-06T03:00:00.000Z');
    const result = await publishContentPack(t.ctx, CLI, bytes, { force: false });
    expect(result.outcome).toBe('installed');
    expect(result.previousVersion).toBe(builtInVersion);
    const version = result.pack.contentVersion;
    expect(version).not.toBe(builtInVersion);
    expect((await getKnowledgeBase()).version).toBe(version);

    const page = await applicantPage();
    expect(page).toContain(correction(1));
    expect(page).toContain(`<code>${version.slice(0, 12)}</code>`);

    const audit = await auditOf('pathways.pack_publish');
    expect(audit.at(-1)).toMatchObject({ actor: 'cli', target: version });
    expect(audit.at(-1)?.reason).toContain(`previous ${builtInVersion}`);
    expectSameBytes(await readFile(contentPackFile(t.config)), bytes, 'the kept pack');

    // A retry of the same pack changes nothing and is not an error.
    const again = await publishContentPack(t.ctx, CLI, bytes, { force: false });
    expect(again.outcome).toBe('unchanged');
    expect(await auditOf('pathways.pack_publish')).toHaveLength(audit.length);
  });

  it('its version is on the staff check and stored with the saved check', async () => {
    const published = await publishContentPack(t.ctx, CLI, pack(2, '2026-12-06T04:00:00.000Z'), {
      force: false,
    });
    const version = published.pack.contentVersion;
    const cw = await loginAs(t, 'caseworker');
    const csrf = C.csrfOf((await cw.client.get('/staff/login')).body);
    const team = await buildTeam(t.ctx, { members: [cw.staff.id] });
    const { id, ref } = await buildCase(t.ctx, {
      teamId: team,
      applicantType: 'soldier',
      country: 'AM',
      answers: { applicant_type: 'deserter', country: 'AM' },
    });
    const form = {
      citizenship: 'RU',
      location: 'AM',
      applicantType: 'deserter',
      documents: 'foreign_passport',
    };
    const shown = await cw.client.post(`/staff/cases/${ref}/pathways?lang=en`, { _csrf: csrf, ...form });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`name="contentVersion" value="${version}"`);
    expect(shown.body).toContain(`<code>${version.slice(0, 12)}</code>`);
    const saved = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: csrf,
      ...form,
      contentVersion: version,
    });
    expect(saved.statusCode).toBe(303);
    const rows = await t.ctx.database.db
      .selectFrom('case_pathway_checks')
      .select('content_version')
      .where('case_id', '=', id)
      .execute();
    expect(rows).toEqual([{ content_version: version }]);
  });
});

describe('the staleness report', () => {
  it('tells coordinators whether a published pack or the built-in content serves', async () => {
    const coordinator = await loginAs(t, 'coordinator');
    const before = await coordinator.client.get('/staff/pathways/staleness?lang=en');
    expect(before.body).toContain('Served from the content built into this release');
    const published = await publishContentPack(t.ctx, CLI, pack(12, '2026-12-06T04:30:00.000Z'), {
      force: true,
    });
    const after = await coordinator.client.get('/staff/pathways/staleness?lang=en');
    expect(after.body).toContain(
      `Served from a signed content pack created 2026-12-06T04:30:00.000Z, signed by key ${published.pack.signer}.`,
    );
    expect(after.body).toContain(`<code id="content-version">${published.pack.contentVersion}</code>`);
  });
});

describe('hostile packs are refused; the previous content keeps serving', () => {
  const hostile: Array<[string, () => Buffer, RegExp]> = [
    [
      'unsigned',
      () => editPack(pack(9, '2026-12-07T00:00:00.000Z'), (p) => delete p.signature),
      /the pack is not signed$/,
    ],
    [
      'signed by an unknown key',
      () => pack(9, '2026-12-07T00:00:00.000Z', newPackKey()),
      /signed by key [0-9a-f]{16}, which is not a trusted key$/,
    ],
    [
      'a tampered file inside',
      () =>
        editPack(pack(9, '2026-12-07T00:00:00.000Z'), (p) => {
          const f = p.files.find((x) => x.path === 'countries/ru.yaml')!;
          f.data = Buffer.from(
            Buffer.from(f.data, 'base64').toString().replace('correction 9', 'do go'),
          ).toString('base64');
        }),
      /file "countries\/ru.yaml" does not match its signed size and hash/,
    ],
    [
      'a tampered manifest',
      () =>
        editPack(pack(9, '2026-12-07T00:00:00.000Z'), (p) => {
          p.manifest = p.manifest.replace('2026-12-07', '2027-12-07');
        }),
      /the signature does not match the manifest/,
    ],
    [
      'a truncated pack',
      () => pack(9, '2026-12-07T00:00:00.000Z').subarray(0, 5000),
      /not valid JSON \(truncated or damaged\?\)$/,
    ],
    [
      'an extra file not in the manifest',
      () =>
        editPack(pack(9, '2026-12-07T00:00:00.000Z'), (p) => {
          p.files.push({ path: 'countries/zz.yaml', data: Buffer.from('options: []').toString('base64') });
        }),
      /file "countries\/zz.yaml" is in the pack but not in its signed manifest$/,
    ],
    [
      'a path traversal name',
      () =>
        editPack(pack(9, '2026-12-07T00:00:00.000Z'), (p) => {
          p.files.push({ path: '../../../keys/root.key', data: '' });
        }),
      /is in the pack but not in its signed manifest$/,
    ],
    ['a huge pack', () => Buffer.alloc(MAX_PACK_BYTES + 1, 0x7b), /the pack is too large/],
  ];

  it.each(hostile)('%s', async (_name, make, reason) => {
    const good = pack(3, '2026-12-06T05:00:00.000Z');
    await publishContentPack(t.ctx, CLI, good, { force: false });
    const serving = (await getKnowledgeBase()).version;
    const refusalsBefore = (await auditOf('pathways.pack_refused')).length;

    const r = await refused(make());
    expect(r.code).toBe('validation_failed');
    expect(r.message).toMatch(/^content pack refused: /);
    expect(r.message).toMatch(reason);

    expect((await getKnowledgeBase()).version).toBe(serving);
    expect(await applicantPage()).toContain(correction(3));
    expectSameBytes(await readFile(contentPackFile(t.config)), good, 'the kept pack');
    const refusals = await auditOf('pathways.pack_refused');
    expect(refusals).toHaveLength(refusalsBefore + 1);
    expect(refusals.at(-1)?.reason).toMatch(reason);
  });

  it('an older pack (rollback) unless forced, and the forced rollback is audited', async () => {
    const old = pack(4, '2026-12-06T06:00:00.000Z');
    const newer = pack(5, '2026-12-06T07:00:00.000Z');
    await publishContentPack(t.ctx, CLI, old, { force: false });
    await publishContentPack(t.ctx, CLI, newer, { force: false });
    const serving = servingContentPack();

    const r = await refused(old);
    expect(r.code).toBe('conflict');
    expect(r.message).toContain(
      'not after the serving pack (2026-12-06T07:00:00.000Z); publish with --force',
    );
    expect(servingContentPack()).toEqual(serving);
    expect(await applicantPage()).toContain(correction(5));
    expectSameBytes(await readFile(contentPackFile(t.config)), newer, 'the kept pack');

    const forced = await publishContentPack(t.ctx, CLI, old, { force: true });
    expect(forced.outcome).toBe('installed');
    expect(await applicantPage()).toContain(correction(4));
    expect((await auditOf('pathways.pack_publish')).at(-1)?.reason).toContain('forced rollback');
  });

  it('a pack published by anyone but the operator at the server: every staff role gets 404, nothing changes', async () => {
    const bytes = pack(6, '2026-12-08T00:00:00.000Z');
    const auditBefore = await t.ctx.database.db.selectFrom('audit_log').select('seq').execute();
    for (const role of STAFF_ROLES) {
      expect(
        canPublishContentPack({ kind: 'staff', id: role, role, sessionHash: Buffer.alloc(32) }),
        role,
      ).toBe(false);
      const staff: Actor = {
        kind: 'staff',
        id: `00000000-0000-4000-8000-00000000000${STAFF_ROLES.indexOf(role)}`,
        role,
        sessionHash: Buffer.alloc(32),
      };
      await expect(publishContentPack(t.ctx, staff, bytes, { force: true }), role).rejects.toMatchObject({
        code: 'not_found',
      });
    }
    expect(canPublishContentPack(CLI)).toBe(true);
    expect(servingContentPack()).toBeUndefined();
    expect(await t.ctx.database.db.selectFrom('audit_log').select('seq').execute()).toEqual(auditBefore);
    expect(await applicantPage()).not.toContain(correction(6));
  });

  it('any pack when the operator has configured no trusted key', async () => {
    const bare = await buildTestApp();
    try {
      await expect(
        publishContentPack(bare.ctx, CLI, pack(7, '2026-12-08T00:00:00.000Z'), { force: false }),
      ).rejects.toThrow(/no content-pack key is trusted: set SANCTUARY_PATHWAYS_PACK_KEYS/);
      expect(existsSync(contentPackFile(bare.config))).toBe(false);
    } finally {
      await bare.close();
    }
  });
});

describe('after a restart', () => {
  async function keep(bytes: Buffer): Promise<void> {
    await mkdir(path.dirname(contentPackFile(t.config)), { recursive: true });
    await writeFile(contentPackFile(t.config), bytes);
  }

  it('the kept pack serves again, audited', async () => {
    const bytes = pack(8, '2026-12-09T00:00:00.000Z');
    await keep(bytes);
    const info = await loadKeptContentPack(t.ctx);
    expect(info?.created).toBe('2026-12-09T00:00:00.000Z');
    expect(await applicantPage()).toContain(correction(8));
    expect((await auditOf('pathways.pack_load')).at(-1)).toMatchObject({
      actor: 'system',
      target: info?.contentVersion,
    });
  });

  it('a tampered kept pack is refused and audited, and the built-in content serves', async () => {
    await keep(
      editPack(pack(8, '2026-12-09T00:00:00.000Z'), (p) => {
        p.manifest = p.manifest.replace('2026-12-09', '2026-12-10');
      }),
    );
    expect(await loadKeptContentPack(t.ctx)).toBeUndefined();
    expect((await getKnowledgeBase()).version).toBe(builtInVersion);
    expect(await applicantPage()).not.toContain(correction(0).replace(/\d+\)$/, ''));
    expect(await applicantPage()).toContain(TITLE);
    expect((await auditOf('pathways.pack_refused')).at(-1)?.reason).toMatch(
      /^kept pack at start-up: the signature does not match/,
    );
  });
});

describe('through the local admin channel (sanctuary pathways pack publish)', () => {
  let admin: Server;
  beforeAll(async () => {
    admin = await startAdminChannel(t.ctx);
  });
  afterAll(() => admin.close());

  it('publishes a valid pack, and answers a refused one with its reason', async () => {
    const bytes = pack(10, '2026-12-10T00:00:00.000Z');
    const ok = await callAdmin<{ outcome: string; pack: { created: string } }>(
      t.config.adminSocket,
      'POST',
      '/pathways/pack',
      { pack: bytes.toString('base64'), force: false },
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ outcome: 'installed', pack: { created: '2026-12-10T00:00:00.000Z' } });
    expect(await applicantPage()).toContain(correction(10));

    const bad = await callAdmin<{ error: { message: string } }>(
      t.config.adminSocket,
      'POST',
      '/pathways/pack',
      {
        pack: pack(11, '2026-12-11T00:00:00.000Z', newPackKey()).toString('base64'),
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/which is not a trusted key$/);
    expect(await applicantPage()).toContain(correction(10));
  });
});
