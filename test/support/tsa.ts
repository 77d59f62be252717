import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { timestampRequest, tokenFromResponse } from '../../src/modules/evidence/tsa.ts';

/** A local RFC 3161 authority made with `openssl ts` in a temporary directory. */
export interface LocalTsa {
  /** The authority's DER TimeStampResp to a DER TimeStampReq, as an HTTP authority would answer. */
  reply(query: Buffer): Promise<Buffer>;
  /** A token for a SHA-256 digest (the export's `timestamp` option). */
  timestamp(digest: Buffer): Promise<Buffer>;
  /** The authority's certificate (PEM file), for `openssl ts -verify`. */
  certificate: string;
}

/** The local authority, or why there is none (openssl without its "ts" command). */
export function localTsa(dir: string): LocalTsa | string {
  try {
    execFileSync('openssl', ['ts', '-help'], { stdio: 'ignore' });
  } catch {
    return 'openssl has no "ts" command';
  }
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'tsa.key',
    '-out',
    'tsa.crt',
    '-subj',
    '/CN=Test TSA',
    '-days',
    '2',
    '-addext',
    'extendedKeyUsage=critical,timeStamping',
    '-addext',
    'keyUsage=critical,digitalSignature',
  ]);
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    `[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = ${dir}\nserial = $dir/serial\nsigner_cert = $dir/tsa.crt\ncerts = $dir/tsa.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n`,
  );
  const reply = async (query: Buffer) => {
    writeFileSync(join(dir, 'q.tsq'), query);
    run(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', 'q.tsq', '-out', 'r.tsr']);
    return readFile(join(dir, 'r.tsr'));
  };
  return {
    reply,
    timestamp: async (digest) => tokenFromResponse(await reply(timestampRequest(digest))),
    certificate: join(dir, 'tsa.crt'),
  };
}
