import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import type { AppContext } from '../../src/context.ts';
import { encryptField } from '../../src/crypto/index.ts';
import { insertCredential } from '../../src/modules/auth/webauthn.repository.ts';
import { withSubjectKey } from '../../src/modules/keys/index.ts';

/**
 * A key of a member's own, stored as a registration would store it, with its name encrypted
 * (its public key is random bytes: for tests of the key list, renaming and removing only).
 */
export async function insertTestKey(ctx: AppContext, staffId: string, name = 'test key'): Promise<string> {
  const id = randomUUID();
  const nameEnc = await withSubjectKey(ctx, `staff:${staffId}`, (key) =>
    encryptField(key, name, { table: 'staff_webauthn_credentials', column: 'name', rowId: id }),
  );
  await insertCredential(ctx.database.db, {
    id,
    staff_id: staffId,
    credential_id: randomBytes(32),
    public_key: randomBytes(77),
    counter: 0,
    transports: '',
    device_type: 'singleDevice',
    backed_up: false,
    name_enc: nameEnc,
  });
  return id;
}

/**
 * A software authenticator for tests: what a security key would answer, made with node:crypto
 * (ECDSA P-256) and the WebAuthn library's own CBOR encoder, so that tests can drive the server
 * with well-formed responses and then break them one way at a time (origin, RP ID, challenge,
 * counter, user verification, signature). Attestation "none", as the server asks.
 */
export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

const b64 = (bytes: Uint8Array | Buffer) => isoBase64URL.fromBuffer(new Uint8Array(bytes));
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Flags of authenticator data: user present, user verified, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  userVerified?: boolean;
  counter?: number;
  credentialId?: string;
}

export class SoftAuthenticator {
  constructor(
    readonly rpId: string,
    readonly origin: string,
  ) {}

  /** Answers `navigator.credentials.create` options (JSON as the server sends them). */
  create(
    options: { challenge: string; user: { id: string } },
    o: CeremonyOverrides = {},
  ): { response: Record<string, unknown>; credential: SoftCredential } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
    const credentialId = randomBytes(32);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(o.rpId ?? this.rpId),
      Buffer.from([UP | (o.userVerified === false ? 0 : UV) | AT]),
      u32(o.counter ?? 0),
      Buffer.alloc(16),
      len,
      credentialId,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, o);
    const id = b64(credentialId);
    return {
      credential: { id, privateKey, userHandle: options.user.id, counter: o.counter ?? 0 },
      response: {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        response: { clientDataJSON, attestationObject: b64(attestationObject), transports: ['usb'] },
      },
    };
  }

  /** Answers `navigator.credentials.get` options with a credential; the counter goes up by one. */
  get(options: { challenge: string }, credential: SoftCredential, o: CeremonyOverrides = {}) {
    credential.counter = o.counter ?? credential.counter + 1;
    const authData = Buffer.concat([
      sha256(o.rpId ?? this.rpId),
      Buffer.from([UP | (o.userVerified === false ? 0 : UV)]),
      u32(credential.counter),
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]),
      credential.privateKey,
    );
    const id = o.credentialId ?? credential.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: credential.userHandle,
      },
    };
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): string {
    return b64(
      Buffer.from(
        JSON.stringify({
          type: o.type ?? type,
          challenge: o.challenge ?? challenge,
          origin: o.origin ?? this.origin,
          crossOrigin: false,
        }),
      ),
    );
  }
}
