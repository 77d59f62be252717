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

/** A DER TimeStampReq for a SHA-256 digest, asking for the authority's certificate. */
export function timestampRequest(digest: Buffer): Buffer {
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256_OID, parameters: null }),
      hashedMessage: new OctetString(digest),
    }),
    nonce: new Uint8Array(random(8)).buffer,
    certReq: true,
  });
  return Buffer.from(AsnConvert.serialize(req));
}

/** The token of a granted TimeStampResp (DER); throws when the authority refused. */
export function tokenFromResponse(der: Buffer): Buffer {
  const resp = AsnConvert.parse(der, TimeStampResp);
  if (resp.status.status > 1 || resp.timeStampToken === undefined) {
    throw new Error(`the timestamp authority refused (status ${resp.status.status})`);
  }
  return Buffer.from(AsnConvert.serialize(resp.timeStampToken));
}

/** What a token says: the digest it covers (hex, SHA-256 only) and the authority's time. */
export function readTimestampToken(der: Buffer): { sha256: string; genTime: Date } {
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
  };
}

/** Asks an RFC 3161 authority over HTTP (the one configured by the operator) for a token. */
export async function requestTimestamp(url: string, digest: Buffer): Promise<Buffer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: new Uint8Array(timestampRequest(digest)),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`the timestamp authority answered ${res.status}`);
  const token = tokenFromResponse(Buffer.from(await res.arrayBuffer()));
  if (readTimestampToken(token).sha256 !== digest.toString('hex')) {
    throw new Error('the timestamp authority answered for another digest');
  }
  return token;
}
