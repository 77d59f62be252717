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
  return hmacSha256(key, text).toString('base64url', 0, bytes);
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

// ---------------------------------------------------------------------------------------------
// Blocking tokens as a stream (ADR 0077, amended): the caller pushes texts while it does other
// work (building the blocking keys and the Bloom filters); a worker hashes them as they arrive
// and, at `finish()`, this thread hashes whatever is left. Texts go to the worker as UTF-8 bytes
// in a SharedArrayBuffer and the truncated HMACs come back the same way, so nothing is copied
// or cloned per token and both threads draw work from one counter: the split adapts to how
// much CPU each thread actually gets, instead of a share fixed in advance.

/** Control words of a token stream (Int32Array over a SharedArrayBuffer). */
const PUBLISHED = 0; // texts written and visible to the worker
const CLAIMED = 1; // texts some thread has taken
const CLOSED = 2; // 1 once no more texts will come
const HASHED = 3; // texts hashed, by either thread
const BY_WORKER = 4; // texts hashed by the worker
const WORKER_FAILED = 5;
const CONTROL_WORDS = 6;
/** Texts a thread takes at a time, and texts between two publications. */
const CLAIM_BATCH = 64;

const STREAM_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const { key, control, textBytes, offsets, out, done, bytes, batch } = workerData;
const text = Buffer.from(textBytes);
const dst = Buffer.from(out);
try {
  for (;;) {
    const claimed = Atomics.load(control, ${CLAIMED});
    const published = Atomics.load(control, ${PUBLISHED});
    if (claimed >= published) {
      if (Atomics.load(control, ${CLOSED}) === 1) break;
      Atomics.wait(control, ${PUBLISHED}, published, 20);
      continue;
    }
    const end = Math.min(claimed + batch, published);
    if (Atomics.compareExchange(control, ${CLAIMED}, claimed, end) !== claimed) continue;
    for (let t = claimed; t < end; t++) {
      createHmac('sha256', key).update(text.subarray(offsets[t], offsets[t + 1])).digest().copy(dst, t * bytes, 0, bytes);
      Atomics.store(done, t, 1);
    }
    Atomics.add(control, ${BY_WORKER}, end - claimed);
    Atomics.add(control, ${HASHED}, end - claimed);
    Atomics.notify(control, ${HASHED});
  }
} catch {
  Atomics.store(control, ${WORKER_FAILED}, 1);
  Atomics.notify(control, ${HASHED});
}
`;

/** A stream of texts to turn into linkage tokens; see `createLinkageTokenStream`. */
export interface LinkageTokenStream {
  /** Queues a text; returns its index among the pushed texts. */
  push(text: string): number;
  /**
   * Hashes what is left (in this thread, alongside the worker), waits for the worker's share and
   * returns every token (`linkageToken(key, text, bytes)`) in push order, and how many texts the
   * worker hashed. A worker that fails or does not answer within 30 s has its texts hashed here,
   * so the result never depends on whether it ran.
   */
  finish(): { tokens: string[]; byWorker: number };
}

/**
 * Linkage tokens of a stream of texts under one derived key, hashed by a worker thread while the
 * caller keeps pushing (`threads` > 1), or all in this thread at `finish()`. `expectedTexts`
 * sizes the shared buffers; texts beyond it (or beyond the byte room) are hashed in this thread.
 * Only `bytes` divisible by 3 are accepted, so every token is a whole number of base64 groups.
 */
export function createLinkageTokenStream(
  key: Uint8Array,
  options: { threads: number; expectedTexts: number; bytes?: number },
): LinkageTokenStream {
  const bytes = options.bytes ?? 12;
  if (bytes % 3 !== 0 || bytes < 3 || bytes > 30)
    throw new Error('token length must be 3..30 bytes, a multiple of 3');
  const tokenChars = (bytes / 3) * 4;
  const useWorker = options.threads > 1 && options.expectedTexts > 0;
  const capacity = useWorker ? Math.max(1, Math.floor(options.expectedTexts)) : 0;
  // 20 bytes per text is room for the usual blocking key (9-15 bytes); longer ones use up the
  // room faster and the rest is hashed in this thread.
  const byteRoom = capacity * 20;
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const offsets = new Int32Array(new SharedArrayBuffer((capacity + 1) * 4));
  const textSab = new SharedArrayBuffer(Math.max(1, byteRoom));
  const textBuf = Buffer.from(textSab);
  const outSab = new SharedArrayBuffer(Math.max(1, capacity * bytes));
  const outBuf = Buffer.from(outSab);
  const done = new Uint8Array(new SharedArrayBuffer(Math.max(1, capacity)));
  /** Texts that did not fit the shared buffers, by index. */
  const overflow: string[] = [];
  let count = 0;
  let shared = 0;
  let writePos = 0;
  let worker: Worker | undefined;
  if (useWorker) {
    try {
      worker = new Worker(STREAM_WORKER_SOURCE, {
        eval: true,
        workerData: {
          key: Buffer.from(key),
          control,
          textBytes: textSab,
          offsets,
          out: outSab,
          done,
          bytes,
          batch: CLAIM_BATCH,
        },
      });
      worker.unref();
      worker.on('error', () => Atomics.store(control, WORKER_FAILED, 1));
    } catch {
      worker = undefined;
    }
  }
  const publish = (): void => {
    Atomics.store(control, PUBLISHED, shared);
    Atomics.notify(control, PUBLISHED);
  };
  const hashHere = (t: number): void => {
    hmacSha256(key, textBuf.subarray(offsets[t]!, offsets[t + 1]!)).copy(outBuf, t * bytes, 0, bytes);
    Atomics.store(done, t, 1);
  };
  return {
    push(text) {
      const index = count++;
      // The shared part is a prefix of the stream: once one text overflows, all later ones do,
      // so indices below `shared` are in the buffers and the rest in `overflow`.
      if (overflow.length === 0 && shared < capacity && writePos + text.length * 3 <= byteRoom) {
        writePos += textBuf.write(text, writePos, 'utf8');
        offsets[++shared] = writePos;
        if (shared % CLAIM_BATCH === 0) publish();
      } else overflow.push(text);
      return index;
    },
    finish() {
      // Publish before closing, so that a worker that sees the stream closed has seen every text.
      publish();
      Atomics.store(control, CLOSED, 1);
      Atomics.notify(control, PUBLISHED);
      // Take batches as the worker does, until none are left.
      for (;;) {
        const claimed = Atomics.load(control, CLAIMED);
        if (claimed >= shared) break;
        const end = Math.min(claimed + CLAIM_BATCH, shared);
        if (Atomics.compareExchange(control, CLAIMED, claimed, end) !== claimed) continue;
        for (let t = claimed; t < end; t++) hashHere(t);
        Atomics.add(control, HASHED, end - claimed);
      }
      const deadline = Date.now() + 30_000;
      for (;;) {
        const hashed = Atomics.load(control, HASHED);
        if (hashed >= shared || Atomics.load(control, WORKER_FAILED) === 1 || Date.now() >= deadline) break;
        Atomics.wait(control, HASHED, hashed, 100);
      }
      // A failed or silent worker's claimed texts are hashed here (the same bytes either way).
      for (let t = 0; t < shared; t++) if (Atomics.load(done, t) === 0) hashHere(t);
      void worker?.terminate();
      const tokens = new Array<string>(count);
      const text = outBuf.toString('base64url', 0, shared * bytes);
      for (let t = 0; t < shared; t++) tokens[t] = text.slice(t * tokenChars, (t + 1) * tokenChars);
      for (let t = shared; t < count; t++) tokens[t] = linkageToken(key, overflow[t - shared]!, bytes);
      return { tokens, byWorker: Atomics.load(control, BY_WORKER) };
    },
  };
}
