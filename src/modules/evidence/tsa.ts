import { SignedData } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq, TimeStampResp, TimeStampToken, TSTInfo } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { random } from '../../crypto/index.ts';

/**
 * RFC 3161 time-stamp tokens (ADR 0136). The request and the token are DER, encoded and
 * decoded with the @peculiar ASN.1 schemas (no hand-written parser). A token binds a SHA-256
 * digest to the authority's time; the bundle verifier checks that the token covers the
 * bundle's tag manifest, and the recipient checks the authority's signature with
 * `openssl ts -verify` and the authority's certificate (docs/evidence.md).
 */
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

/**
 * A request nonce: 8 random bytes read as a DER INTEGER, so the first byte must keep the
 * encoding positive and minimal (0x40..0x7f: 62 random bits). Raw random bytes were refused by
 * OpenSSL's authority about once in 256 requests: a leading 0x00 before a byte below 0x80, or
 * 0xff before one above, is not minimal DER (the evidence export then failed at random).
 */
export function freshNonce(): Buffer {
  const nonce = random(8);
  nonce[0] = (nonce[0]! & 0x3f) | 0x40;
  return nonce;
}

/** A DER TimeStampReq for a SHA-256 digest, asking for the authority's certificate. */
export function timestampRequest(digest: Buffer, nonce: Buffer = freshNonce()): Buffer {
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256_OID, parameters: null }),
      hashedMessage: new OctetString(digest),
    }),
    nonce: new Uint8Array(nonce).buffer,
    certReq: true,
  });
  return Buffer.from(AsnConvert.serialize(req));
}

/** The token of a granted TimeStampResp (DER); throws when the authority refused. */
export function tokenFromResponse(der: Buffer): Buffer {
  const resp = AsnConvert.parse(der, TimeStampResp);
  if (resp.status.status > 1 || resp.timeStampToken === undefined) {
    const said = resp.status.statusString?.join(' ') ?? '';
    throw new Error(
      `the timestamp authority refused (status ${resp.status.status}${said ? `: ${said}` : ''})`,
    );
  }
  return Buffer.from(AsnConvert.serialize(resp.timeStampToken));
}

/** What a token says: the digest it covers (hex, SHA-256 only), the authority's time and the nonce (hex) it echoes. */
export function readTimestampToken(der: Buffer): {
  sha256: string;
  genTime: Date;
  nonce: string | undefined;
} {
  const token = AsnConvert.parse(der, TimeStampToken);
  const signed = AsnConvert.parse(token.content, SignedData);
  const content = signed.encapContentInfo.eContent;
  const bytes = content?.single?.buffer ?? content?.any;
  if (bytes === undefined) throw new Error('the token holds no TSTInfo');
  const info = AsnConvert.parse(bytes, TSTInfo);
  if (info.messageImprint.hashAlgorithm.algorithm !== SHA256_OID)
    throw new Error('the token is not over a SHA-256 digest');
  return {
    sha256: Buffer.from(info.messageImprint.hashedMessage.buffer).toString('hex'),
    genTime: info.genTime,
    nonce: info.nonce === undefined ? undefined : Buffer.from(info.nonce).toString('hex'),
  };
}

/** Asks an RFC 3161 authority over HTTP (the one configured by the operator) for a token. */
export async function requestTimestamp(url: string, digest: Buffer): Promise<Buffer> {
  const nonce = freshNonce();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: new Uint8Array(timestampRequest(digest, nonce)),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`the timestamp authority answered ${res.status}`);
  const token = tokenFromResponse(Buffer.from(await res.arrayBuffer()));
  const said = readTimestampToken(token);
  if (said.sha256 !== digest.toString('hex')) {
    throw new Error('the timestamp authority answered for another digest');
  }
  // RFC 3161 §2.4.2: the response must carry the request's nonce, or it may be a replayed one.
  if (said.nonce !== nonce.toString('hex')) {
    throw new Error(
      "the timestamp authority answered without the request's nonce (a replayed or foreign token)",
    );
  }
  return token;
}
