import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import type { StaffActor } from '../../access/index.ts';
import type { Config } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField, randomToken, sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { admitShared } from '../../platform/rate-limit.ts';
import { recordAudit } from '../audit/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { keyMandatoryFor } from './sign-in-policy.ts';
import { findStaffById, insertSession } from './staff.repository.ts';
import { decryptEmail } from './staff.service.ts';
import {
  consumeChallenge,
  countCredentialsOf,
  type CredentialRow,
  deleteCredential,
  findCredentialByCredentialId,
  findOwnCredential,
  insertChallenge,
  insertCredential,
  liftKeyEnrolmentOnly,
  listCredentialsOf,
  recordCredentialUse,
  renameCredential,
} from './webauthn.repository.ts';
import { keyNameSchema, registrationInputSchema, signInInputSchema } from './webauthn.schemas.ts';

/**
 * WebAuthn for staff (issue 18 item 1; ADR 0172). The relying party is the configured public
 * staff origin, never the request's Host header: an assertion made for any other origin (a
 * phishing relay) is refused. Challenges are single-use, two minutes long, and bound to the
 * session (enrolling) or the pre-session cookie (signing in). User verification (the key's PIN
 * or the device's biometric) is required, so a key alone is two factors and signs in without
 * the password.
 */

/** How long a ceremony may take, in the browser and on the server. */
export const CHALLENGE_MS = 120_000;
/** Keys one person may hold. */
export const MAX_KEYS = 10;

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** The relying party: the public staff origin (SANCTUARY_STAFF_URL, else SANCTUARY_PUBLIC_URL). */
export function relyingParty(config: Config): RelyingParty {
  const url = new URL(config.staffUrl ?? config.publicUrl);
  return { id: url.hostname, origin: url.origin, name: 'Sanctuary' };
}

/**
 * Whether browsers can use keys here at all: an IP address cannot be an RP ID (a trial on
 * 127.0.0.1 has no keys; `localhost` or a domain name has).
 */
export function keysAvailable(config: Config): boolean {
  return isIP(relyingParty(config).id.replace(/^\[|\]$/g, '')) === 0;
}

const subjectOf = (staffId: string) => `staff:${staffId}`;
const nameBinding = (id: string) => ({ table: 'staff_webauthn_credentials', column: 'name', rowId: id });
export const sessionBinding = (actor: StaffActor) => sha256(`session|${actor.sessionHash.toString('hex')}`);
export const preSessionBinding = (pre: string) => sha256(`pre|${pre}`);

// The WebAuthn library is loaded on first use: it costs about 0.2 s of CPU at start-up in every
// process (CLI commands, test files) and only the security-key pages need it.
const simpleWebAuthn = () => import('@simplewebauthn/server');
const webAuthnHelpers = () => import('@simplewebauthn/server/helpers');

/** The challenge a response answers, from its clientDataJSON; undefined if unreadable. */
async function challengeOf(clientDataJSON: string): Promise<string | undefined> {
  const { decodeClientDataJSON } = await webAuthnHelpers();
  try {
    const challenge = decodeClientDataJSON(clientDataJSON).challenge;
    return typeof challenge === 'string' && challenge.length <= 128 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a challenge's hash, bound to a session or pre-session cookie, for two minutes. */
async function issueChallenge(
  db: Db,
  challenge: string,
  purpose: 'register' | 'authenticate',
  binding: Buffer,
  staffId: string | null,
): Promise<void> {
  const now = new Date();
  await insertChallenge(
    db,
    {
      challenge_hash: sha256(challenge),
      purpose,
      binding_hash: binding,
      staff_id: staffId,
      expires_at: new Date(now.getTime() + CHALLENGE_MS),
    },
    now,
  );
}

const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');

// ---------------------------------------------------------------------------------------------
// Enrolling a key (signed in)

/** Options for `navigator.credentials.create`, with a challenge bound to this session. */
export async function keyRegistrationOptions(
  ctx: AppContext,
  actor: StaffActor,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const db = ctx.database.db;
  const staff = await findStaffById(db, actor.id);
  if (staff === undefined) throw new AppError('unauthenticated', 'staff vanished');
  const existing = await listCredentialsOf(db, actor.id);
  if (existing.length >= MAX_KEYS) {
    throw new AppError('conflict', 'too many keys', { fields: { name: 'webauthn.too_many' } });
  }
  const email = await decryptEmail(ctx, db, staff);
  const rp = relyingParty(ctx.config);
  const challenge = randomToken();
  const [{ generateRegistrationOptions }, { isoBase64URL }] = await Promise.all([
    simpleWebAuthn(),
    webAuthnHelpers(),
  ]);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: email,
    userDisplayName: email,
    userID: uuidBytes(actor.id),
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: CHALLENGE_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({
      id: isoBase64URL.fromBuffer(new Uint8Array(toBuffer(c.credential_id))),
      transports: transportsOf(c),
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    // ES256, EdDSA, RS256: what security keys and platform authenticators use.
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  await issueChallenge(db, options.challenge, 'register', sessionBinding(actor), actor.id);
  return options;
}

function transportsOf(row: CredentialRow): string[] {
  return row.transports === '' ? [] : row.transports.split(',');
}

/**
 * Verifies a new key's attestation against the challenge issued to this session, and stores it
 * under the name its holder gave it. A response for another origin or RP ID, an unknown, used or
 * expired challenge, or a malformed one is refused (400) and nothing is stored.
 */
export async function registerKey(ctx: AppContext, actor: StaffActor, input: unknown): Promise<string> {
  const parsed = registrationInputSchema.safeParse(input);
  if (!parsed.success) {
    const nameIssue = parsed.error.issues.find((i) => i.path[0] === 'name');
    throw new AppError('validation_failed', 'malformed registration', {
      fields: nameIssue === undefined ? { response: 'webauthn.failed' } : { name: nameIssue.message },
    });
  }
  const { name, response } = parsed.data;
  const refuse = async (why: string): Promise<never> => {
    await recordAudit(ctx.database.db, {
      actor: actor.id,
      action: 'staff.webauthn_enrol_failed',
      target: `staff:${actor.id}`,
      reason: why,
    });
    throw new AppError('validation_failed', `key registration refused: ${why}`, {
      fields: { response: 'webauthn.failed' },
    });
  };
  const challenge = await challengeOf(response.response.clientDataJSON);
  if (challenge === undefined) return refuse('unreadable client data');
  const db = ctx.database.db;
  const issued = await consumeChallenge(db, sha256(challenge), 'register', sessionBinding(actor), new Date());
  if (issued === undefined || issued.staff_id !== actor.id)
    return refuse('unknown, used or expired challenge');
  const rp = relyingParty(ctx.config);
  const [{ verifyRegistrationResponse }, { isoBase64URL }] = await Promise.all([
    simpleWebAuthn(),
    webAuthnHelpers(),
  ]);
  let info: VerifiedRegistrationResponse['registrationInfo'];
  try {
    const verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch (error) {
    return refuse(`attestation refused: ${reasonOf(error)}`);
  }
  if (info === undefined) return refuse('attestation not verified');
  const credentialId = isoBase64URL.toBuffer(info.credential.id);
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    if ((await countCredentialsOf(trx, actor.id)) >= MAX_KEYS) {
      throw new AppError('conflict', 'too many keys');
    }
    if ((await findCredentialByCredentialId(trx, credentialId)) !== undefined) {
      throw new AppError('conflict', 'credential already registered');
    }
    const nameEnc = await withSubjectKey(
      ctx,
      subjectOf(actor.id),
      (key) => encryptField(key, name, nameBinding(id)),
      trx,
    );
    await insertCredential(trx, {
      id,
      staff_id: actor.id,
      credential_id: credentialId,
      public_key: info.credential.publicKey,
      counter: info.credential.counter,
      transports: (info.credential.transports ?? []).filter((t) => /^[a-z-]{1,16}$/.test(t)).join(','),
      device_type: info.credentialDeviceType,
      backed_up: info.credentialBackedUp,
      name_enc: nameEnc,
    });
    await liftKeyEnrolmentOnly(trx, actor.id);
    await recordAudit(trx, {
      actor: actor.id,
      action: 'staff.webauthn_enrolled',
      target: `staff:${actor.id}`,
      reason: `key ${id} (${info.credentialDeviceType === 'multiDevice' ? 'synced passkey' : 'device-bound'})`,
    });
  });
  return id;
}

/** A library error's message, cut to a short reason for the audit log (it never holds personal data). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
}

// ---------------------------------------------------------------------------------------------
// Listing, renaming, removing one's own keys

export interface KeySummary {
  id: string;
  name: string;
  kind: 'synced' | 'device';
  createdAt: Date;
  lastUsedAt: Date | null;
}

export async function listOwnKeys(ctx: AppContext, actor: StaffActor): Promise<KeySummary[]> {
  const db = ctx.database.db;
  const rows = await listCredentialsOf(db, actor.id);
  if (rows.length === 0) return [];
  return withSubjectKey(ctx, subjectOf(actor.id), (key) =>
    rows.map((r) => ({
      id: r.id,
      name: decryptFieldText(key, toBuffer(r.name_enc), nameBinding(r.id)),
      kind: r.device_type === 'multiDevice' ? ('synced' as const) : ('device' as const),
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    })),
  );
}

/** Whether this member has at least one key (the page says what the policy asks of them). */
export async function hasKeys(ctx: AppContext, actor: StaffActor): Promise<boolean> {
  return (await countCredentialsOf(ctx.database.db, actor.id)) > 0;
}

export async function renameOwnKey(
  ctx: AppContext,
  actor: StaffActor,
  keyId: unknown,
  input: unknown,
): Promise<void> {
  const id = ownKeyId(keyId);
  const name = keyNameSchema.safeParse((input as { name?: unknown } | undefined)?.name);
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findOwnCredential(trx, actor.id, id)) === undefined)
      throw new AppError('not_found', 'no such key');
    if (!name.success) {
      throw new AppError('validation_failed', 'invalid key name', {
        fields: { name: name.error.issues[0]!.message },
      });
    }
    const nameEnc = await withSubjectKey(
      ctx,
      subjectOf(actor.id),
      (k) => encryptField(k, name.data, nameBinding(id)),
      trx,
    );
    await renameCredential(trx, actor.id, id, nameEnc);
    await recordAudit(trx, {
      actor: actor.id,
      action: 'staff.webauthn_renamed',
      target: `staff:${actor.id}`,
      reason: `key ${id}`,
    });
  });
}

/** Removes one of one's own keys; never the last one while a key is mandatory for one's role. */
export async function removeOwnKey(ctx: AppContext, actor: StaffActor, keyId: unknown): Promise<void> {
  const id = ownKeyId(keyId);
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findOwnCredential(trx, actor.id, id)) === undefined)
      throw new AppError('not_found', 'no such key');
    if ((await countCredentialsOf(trx, actor.id)) === 1 && (await keyMandatoryFor(trx, actor.role))) {
      throw new AppError('conflict', 'last key while mandatory', { fields: { key: 'webauthn.last_key' } });
    }
    await deleteCredential(trx, actor.id, id);
    await recordAudit(trx, {
      actor: actor.id,
      action: 'staff.webauthn_removed',
      target: `staff:${actor.id}`,
      reason: `key ${id}`,
    });
  });
}

function ownKeyId(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
  ) {
    throw new AppError('not_found', 'malformed key id');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Signing in with a key

/**
 * Options for `navigator.credentials.get`: no account named (the key offers its own passkeys,
 * so nobody learns which accounts exist or which keys they hold), user verification required,
 * a challenge bound to this browser's pre-session cookie. Counted as a sign-in attempt.
 */
export async function signInOptions(
  ctx: AppContext,
  pre: string,
  source: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const refusedBy = await admitShared([
    [ctx.limits.signInSource, source],
    [ctx.limits.signInGlobal, 'all'],
  ]);
  if (refusedBy !== undefined) {
    throw new AppError('rate_limited', 'sign-in rate', { retryAfter: refusedBy.retryAfter() });
  }
  const rp = relyingParty(ctx.config);
  const [{ generateAuthenticationOptions }, { isoBase64URL }] = await Promise.all([
    simpleWebAuthn(),
    webAuthnHelpers(),
  ]);
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    challenge: isoBase64URL.toBuffer(randomToken()),
    timeout: CHALLENGE_MS,
    userVerification: 'required',
  });
  await issueChallenge(ctx.database.db, options.challenge, 'authenticate', preSessionBinding(pre), null);
  return options;
}

/**
 * Verifies an assertion and opens a session. Every refusal gives the same answer (401) and is
 * audited with its reason (no address, no user agent): malformed, unknown/used/expired
 * challenge, unknown key, inactive account, wrong origin or RP ID, bad signature, no user
 * verification, and a signature counter that went backwards (a cloned key, also audited as
 * `auth.webauthn_clone_suspected`).
 */
export async function signInWithKey(
  ctx: AppContext,
  input: unknown,
  pre: string,
  source: string,
): Promise<{ staffId: string; token: string }> {
  // Each failure writes an audit entry: this source's allowance bounds how fast it can (the
  // options it must fetch first count too).
  const refusedBy = await admitShared([[ctx.limits.signInSource, source]]);
  if (refusedBy !== undefined) {
    throw new AppError('rate_limited', 'sign-in rate', { retryAfter: refusedBy.retryAfter() });
  }
  const db = ctx.database.db;
  let target: string | null = null;
  const fail = async (why: string): Promise<never> => {
    await recordAudit(db, {
      actor: 'anonymous',
      action: 'auth.sign_in_failed',
      target,
      reason: `webauthn: ${why}`,
    });
    throw new AppError('invalid_credentials', `key sign-in failed: ${why}`);
  };
  const parsed = signInInputSchema.safeParse(input);
  if (!parsed.success) return fail('malformed assertion');
  const response = parsed.data.response;
  const challenge = await challengeOf(response.response.clientDataJSON);
  if (challenge === undefined) return fail('unreadable client data');
  const [{ verifyAuthenticationResponse }, { isoBase64URL }] = await Promise.all([
    simpleWebAuthn(),
    webAuthnHelpers(),
  ]);
  const now = new Date();
  if (
    (await consumeChallenge(db, sha256(challenge), 'authenticate', preSessionBinding(pre), now)) === undefined
  ) {
    return fail('unknown, used or expired challenge');
  }
  const credential = await findCredentialByCredentialId(db, isoBase64URL.toBuffer(response.id));
  if (credential === undefined) return fail('unknown credential');
  target = `staff:${credential.staff_id}`;
  const staff = await findStaffById(db, credential.staff_id);
  if (staff === undefined || staff.status !== 'active') return fail(`account ${staff?.status ?? 'gone'}`);
  const userHandle = response.response.userHandle;
  if (userHandle !== undefined && userHandle !== isoBase64URL.fromBuffer(uuidBytes(staff.id))) {
    return fail('user handle does not match the key');
  }
  const rp = relyingParty(ctx.config);
  const stored = Number(credential.counter);
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter is checked below, after the signature, so that a regression is told apart.
      credential: {
        id: response.id,
        publicKey: new Uint8Array(toBuffer(credential.public_key)),
        counter: 0,
        transports: transportsOf(credential),
      },
      requireUserVerification: true,
    });
    if (!verified.verified) return fail('assertion not verified');
    newCounter = verified.authenticationInfo.newCounter;
  } catch (error) {
    if (error instanceof AppError) throw error;
    return fail(`assertion refused: ${reasonOf(error)}`);
  }
  if ((newCounter > 0 || stored > 0) && newCounter <= stored) {
    await recordAudit(db, {
      actor: 'anonymous',
      action: 'auth.webauthn_clone_suspected',
      target,
      reason: `key ${credential.id}: counter ${newCounter} after ${stored}`,
    });
    return fail('signature counter went backwards (cloned key?)');
  }
  const token = randomToken();
  await db.transaction().execute(async (trx) => {
    if (!(await recordCredentialUse(trx, credential.id, stored, newCounter, now))) {
      throw new AppError('invalid_credentials', 'key used concurrently');
    }
    await insertSession(trx, {
      token_hash: sha256(token),
      staff_id: staff.id,
      expires_at: new Date(now.getTime() + ctx.config.session.maxHours * 3600_000),
    });
    await recordAudit(trx, {
      actor: staff.id,
      action: 'auth.sign_in',
      target: `staff:${staff.id}`,
      reason: `webauthn key ${credential.id}`,
    });
  });
  return { staffId: staff.id, token };
}
