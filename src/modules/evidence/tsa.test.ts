import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { PKIStatus, PKIStatusInfo, TimeStampReq, TimeStampResp } from '@peculiar/asn1-tsp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTsa, localTsa } from '../../../test/support/tsa.ts';
import { sha256 } from '../../crypto/index.ts';
import { readTimestampToken, requestTimestamp, timestampRequest } from './tsa.ts';

/** The nonce's DER content octets, as a TSA parses them. */
function nonceOf(request: Buffer): Uint8Array {
  const nonce = AsnConvert.parse(request, TimeStampReq).nonce;
  if (nonce === undefined) throw new Error('no nonce');
  return new Uint8Array(nonce);
}

describe('time-stamp requests', () => {
  it('carry a positive, minimally encoded nonce every time (raw random bytes are refused by OpenSSL once in 256)', () => {
    // With 8 raw random bytes, 1 request in 256 starts 0x00 <0x80 or 0xff >=0x80 (not minimal DER)
    // and 1 in 2 has the top bit set (negative): 4,096 requests meet both with certainty.
    const digest = sha256(Buffer.from('bag'));
    const seen = new Set<string>();
    for (let i = 0; i < 4096; i += 1) {
      const nonce = nonceOf(timestampRequest(digest));
      expect(nonce.length).toBe(8);
      expect(nonce[0]).toBeGreaterThanOrEqual(0x01);
      expect(nonce[0]).toBeLessThan(0x80);
      seen.add(Buffer.from(nonce).toString('hex'));
    }
    expect(seen.size).toBe(4096);
  });
});

describe('asking an RFC 3161 authority over HTTP (loopback; the real one is the operator’s)', () => {
  let tmp: string;
  let tsa: LocalTsa | string;
  let server: Server;
  let base: string;
  let first: Buffer | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sanctuary-tsa-'));
    tsa = localTsa(tmp);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const query = Buffer.concat(chunks);
          if (typeof tsa === 'string') throw new Error(tsa);
          let answer: Buffer;
          if (req.url === '/refuse') {
            answer = Buffer.from(
              AsnConvert.serialize(
                new TimeStampResp({
                  status: new PKIStatusInfo({ status: PKIStatus.rejection }),
                }),
              ),
            );
          } else if (req.url === '/replay' && first !== undefined) {
            answer = first; // an earlier, genuine response for the same digest
          } else {
            answer = await tsa.reply(query);
            first ??= answer;
          }
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          res.end(answer);
        })().catch(() => {
          res.writeHead(500);
          res.end();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  const digest = sha256(Buffer.from('tag manifest'));

  it('returns a token over the digest that echoes the request nonce, for 40 requests in a row', async (ctx) => {
    if (typeof tsa === 'string') ctx.skip(`no local timestamp authority: ${tsa}`);
    for (let i = 0; i < 40; i += 1) {
      const token = await requestTimestamp(`${base}/tsa`, digest);
      const said = readTimestampToken(token);
      expect(said.sha256).toBe(digest.toString('hex'));
      expect(said.nonce).toMatch(/^[0-7][0-9a-f]{15}$/);
    }
  });

  it('refuses a replayed response: a genuine token for the same digest, but not for this request', async (ctx) => {
    if (typeof tsa === 'string') ctx.skip(`no local timestamp authority: ${tsa}`);
    await requestTimestamp(`${base}/tsa`, digest);
    await expect(requestTimestamp(`${base}/replay`, digest)).rejects.toThrow(/nonce/);
  });

  it('names the refusal when the authority rejects the request', async () => {
    await expect(requestTimestamp(`${base}/refuse`, digest)).rejects.toThrow(
      'the timestamp authority refused (status 2)',
    );
  });
});
