import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { hkdfSalted, hmacSha256 } from './primitives.ts';

/**
 * Keys of record linkage's private mode (docs/linkage.md), all derived from a linkage secret
 * that partner organisations share out of band. This secret is not the root key: partners
 * must be able to produce the same encodings, so the derivation is public and fixed
 * (HKDF-SHA-256, salt "sanctuary/linkage/v1", one `info` label per purpose).
 */
const LINKAGE_SALT = 'sanctuary/linkage/v1';

/** Shortest accepted linkage secret, in bytes. */
export const LINKAGE_SECRET_MIN_BYTES = 32;

/** An HKDF-SHA-256 child key of the linkage secret for one purpose (`info`). */
export function deriveLinkageKey(secret: Uint8Array, info: string, length = 32): Buffer {
  return hkdfSalted(secret, LINKAGE_SALT, info, length);
}

/** HMAC-SHA-256 of a text under a key derived by `deriveLinkageKey` (Bloom-filter bits, tokens). */
export function linkageHmac(key: Uint8Array, text: string): Buffer {
  return hmacSha256(key, text);
}

/**
 * A public fingerprint of the secret (16 hex characters), written into exported encodings so
 * that two partners can see that they use the same secret without revealing it.
 */
export function linkageSecretFingerprint(secret: Uint8Array): string {
  return deriveLinkageKey(secret, 'fingerprint', 8).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Blocking tokens in bulk: HMAC-SHA-256 (node:crypto, nothing else) of many texts under one
// derived key, truncated to 96 bits, base64url. One HMAC costs 3-5 microseconds in Node, mostly
// the call itself, and a record has eight keys, so a bulk encode spreads the texts over worker
// threads. The worker is plain JavaScript (eval) that requires node:crypto only: it starts in
// tens of milliseconds, not the second a worker that loads tsx needs. It lives here so that the
// keyed hashing stays inside src/crypto.

const TOKEN_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const { status, port, key, texts, bytes } = workerData;
try {
  const out = new Array(texts.length);
  for (let i = 0; i < texts.length; i++)
    out[i] = createHmac('sha256', key).update(texts[i]).digest().subarray(0, bytes).toString('base64url');
  port.postMessage(out);
  Atomics.store(status, 0, 2);
} catch {
  Atomics.store(status, 0, 3);
}
Atomics.notify(status, 0);
`;

/** A keyed token: HMAC-SHA-256 of `text` under `key`, first `bytes` bytes, base64url. */
export function linkageToken(key: Uint8Array, text: string, bytes = 12): string {
  return hmacSha256(key, text).subarray(0, bytes).toString('base64url');
}

/**
 * `linkageToken` of every text, computed in `threads` threads (this one included) and returned
 * in order. Synchronous: this thread computes its share, then waits for the workers'. A worker
 * that fails or does not answer within 30 s has its share computed here, so the result never
 * depends on whether workers ran. Below `minPerThread` texts per thread no worker is started.
 */
export function linkageTokensBulk(
  key: Uint8Array,
  texts: readonly string[],
  threads: number,
  bytes = 12,
  minPerThread = 4000,
  options: {
    /** Share of the texts this thread hashes itself (default: an equal share). */
    ownShare?: number;
    /** Work for this thread while the workers hash (e.g. the Bloom filters), run first. */
    meanwhile?: () => void;
  } = {},
): string[] {
  const n = texts.length;
  const parts = Math.max(1, Math.min(Math.floor(threads), Math.floor(n / minPerThread)));
  const out = new Array<string>(n);
  const mine = parts === 1 ? n : Math.ceil(n * (options.ownShare ?? 1 / parts));
  const size = parts === 1 ? 0 : Math.ceil((n - mine) / (parts - 1));
  const started: Array<{
    from: number;
    to: number;
    worker?: Worker;
    status?: Int32Array;
    port?: MessagePort;
  }> = [];
  for (let p = 1; p < parts; p++) {
    const from = mine + (p - 1) * size;
    const to = Math.min(n, from + size);
    try {
      const status = new Int32Array(new SharedArrayBuffer(4));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(TOKEN_WORKER_SOURCE, {
        eval: true,
        workerData: { status, port: port2, key: Buffer.from(key), texts: texts.slice(from, to), bytes },
        transferList: [port2],
      });
      worker.unref();
      worker.on('error', () => {
        Atomics.store(status, 0, 3);
        Atomics.notify(status, 0);
      });
      started.push({ from, to, worker, status, port: port1 });
    } catch {
      started.push({ from, to });
    }
  }
  options.meanwhile?.();
  for (let i = 0; i < mine; i++) out[i] = linkageToken(key, texts[i]!, bytes);
  for (const s of started) {
    let done: string[] | undefined;
    if (s.status !== undefined && s.port !== undefined) {
      const deadline = Date.now() + 30_000;
      while (Atomics.load(s.status, 0) === 0 && Date.now() < deadline) Atomics.wait(s.status, 0, 0, 100);
      if (Atomics.load(s.status, 0) === 2) {
        const msg = receiveMessageOnPort(s.port)?.message;
        if (Array.isArray(msg) && msg.length === s.to - s.from) done = msg as string[];
      }
      s.port.close();
      void s.worker?.terminate();
    }
    for (let i = s.from; i < s.to; i++) out[i] = done?.[i - s.from] ?? linkageToken(key, texts[i]!, bytes);
  }
  return out;
}
