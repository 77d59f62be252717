import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  searchCases,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import {
  auditPublicKey,
  combineShares,
  DecryptionError,
  Keyring,
  parseShare,
  unwrapDataKey,
} from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import { linkPerson } from '../vetting/index.ts';
import { initShamirKeys, rotateRootKey, submitUnsealShare } from './keys.service.ts';

/**
 * Issue 12, finding 1: rotating the root key (what an organisation does after a key holder is
 * compromised) must not lock anyone out. Everything here is done as the people who use the
 * server do it: a staff member signs in with password and TOTP, an applicant signs in to the
 * inbox with the codename the form showed, a caseworker searches by phone, and a new case is
 * linked to an old one. Then the old root key is tried against everything stored.
 */
describe('root key rotation, from the users’ side', () => {
  let t: TestApp;
  let shares: string[];
  let worker: TestStaff;
  let teamId: string;

  const unseal = async (list: readonly string[]) => {
    for (const share of list) await submitUnsealShare(t.ctx.database.db, t.ctx.vault, share);
  };

  const searchRefs = async (client: Client, q: string) => {
    const res = await searchCases(client, q);
    expect(res.statusCode).toBe(200);
    return [...res.body.matchAll(/<tr data-ref="(C-[^"]+)"/g)].map((m) => m[1]);
  };

  const inboxOpens = async (codename: string) => {
    const applicant = new Client(t.app);
    const signIn = await signInApplicant(applicant, codename);
    if (signIn.statusCode !== 303) return false;
    return (await applicant.get('/inbox?lang=en')).statusCode === 200;
  };

  beforeAll(async () => {
    t = await buildTestApp({ sealed: true, config: { intake: intakeTestConfig() } });
    ({ shares } = await initShamirKeys(t.ctx.database.db, { shares: 3, threshold: 2 }));
    await unseal(shares.slice(0, 2));
    worker = await buildStaff(t.ctx, 'caseworker');
    teamId = await buildTeam(t.ctx, { members: [worker.id] });
  }, 120_000);
  afterAll(async () => t.close());

  it('keeps staff sign-in, codenames, phone search and linkage working; the old root key opens nothing', async () => {
    const db = t.ctx.database.db;
    // Before rotation: an applicant files through the web form and keeps the codename shown.
    const form = new Client(t.app);
    const page = await form.get('/?lang=en');
    const filed = await form.post('/submit?lang=en', {
      ...formFieldsOf(page.body),
      type: 'deserter',
      country: 'KZ',
      urgency: 'hiding',
      story: 'I left my unit and need help.',
      needs: 'leave',
    });
    expect(filed.statusCode).toBe(200);
    const codename = codenameOf(filed);
    // A case with a phone number in the caseworker's team, indexed for linkage.
    const pavel = await buildCase(t.ctx, {
      teamId,
      person: {
        givenName: 'Павел',
        familyName: 'Филатьев',
        birthDate: '1988-05-07',
        phone: '+7 912 000-00-00',
        documents: [],
        family: [],
      },
    });
    await linkPerson(t.ctx, pavel.id);
    // Everything works before (so that what follows tests the rotation, not the set-up).
    expect(await searchRefs(await signInClient(t.app, worker), '8 912 000 00 00')).toEqual([pavel.ref]);
    expect(await inboxOpens(codename)).toBe(true);
    const auditKeyBefore = auditPublicKey(t.ctx.vault.requireKeyring());
    const oldRoot = await combineShares(shares.slice(0, 2).map(parseShare));
    const oldKeyId = t.ctx.vault.status().keyId;

    // The key holders rotate: the same n and k as before unless told otherwise.
    const rotated = await rotateRootKey(db, t.ctx.vault, { actor: 'cli' });
    expect(rotated.keyId).not.toBe(oldKeyId);
    expect(rotated.shares).toHaveLength(3);
    expect(rotated.threshold).toBe(2);

    // Staff sign in (password + TOTP) and find the case by phone, written another way.
    const client = await signInClient(t.app, worker);
    expect(await searchRefs(client, '+79120000000')).toEqual([pavel.ref]);
    // The applicant's codename still opens the inbox.
    expect(await inboxOpens(codename)).toBe(true);
    // The same person filed again after rotation meets the old case through the linkage index.
    const pasha = await buildCase(t.ctx, {
      person: {
        givenName: 'Паша',
        familyName: 'Филатьев',
        birthDate: '1988-05-07',
        phone: '89120000000',
        documents: [],
        family: [],
      },
    });
    const linked = await linkPerson(t.ctx, pasha.id);
    expect(linked.candidates).toBeGreaterThan(0);
    expect(linked.raised.length).toBeGreaterThan(0);
    // The audit checkpoint key, pinned by operators outside the database, does not change.
    expect(auditPublicKey(t.ctx.vault.requireKeyring())).toBe(auditKeyBefore);

    // A restart: the new shares unseal, the old ones do not, and sign-in still works.
    t.ctx.vault.seal();
    await expect(submitUnsealShare(db, t.ctx.vault, shares[0]!)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await unseal([rotated.shares[2]!, rotated.shares[0]!]);
    expect(t.ctx.vault.sealed).toBe(false);
    await signInClient(t.app, worker);
    expect(await inboxOpens(codename)).toBe(true);

    // The old root key opens nothing stored: no data key and not the derivation key.
    const old = Keyring.fromRootKey(oldRoot);
    const keys = await db.selectFrom('data_keys').select(['subject', 'key_id', 'wrapped']).execute();
    expect(keys.length).toBeGreaterThan(3);
    for (const row of keys) {
      expect(row.key_id).toBe(rotated.keyId);
      expect(() =>
        unwrapDataKey(old, row.subject, { keyId: old.keyId, wrapped: toBuffer(row.wrapped) }),
      ).toThrow(DecryptionError);
    }
    const material = await db
      .selectFrom('key_material')
      .selectAll()
      .where('retired_at', 'is', null)
      .execute();
    expect(material.map((m) => m.key_id)).toEqual([rotated.keyId]);
    expect(() => Keyring.fromRootKey(oldRoot, material[0]!.wrapped_derivation_key)).toThrow(DecryptionError);
    old.seal();
    oldRoot.fill(0);
  }, 180_000);
});
