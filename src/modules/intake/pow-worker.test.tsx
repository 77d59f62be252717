import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { issuePowChallenge, Keyring, solvePowChallenge, verifyPowSolution } from '../../crypto/index.ts';
import { renderDocument } from '../../platform/html.tsx';
import { fileSize, IntakeFormPage } from './intake.views.tsx';
import { NO_RAISE, POW_RAISE_DECAY_MS, powLevel, raiseForLoad } from './pow-level.ts';

/**
 * The proof-of-work worker's protocol (ADR 0196), run in Node: the exact file the browser gets,
 * in a fresh V8 context whose `self` is the worker's global, with Node's WebCrypto. Its answers
 * must be the ones the server's verifier accepts. Also the difficulty's rise under load
 * (ADR 0197), the panel in the form page, and file sizes in the reader's language.
 */
const WORKER = readFileSync(join(import.meta.dirname, 'assets', 'pow-worker.js'), 'utf8');
const keyring = Keyring.fromRootKey(randomBytes(32));

type Message = { type: 'progress' | 'found' | 'error'; attempts?: number; solution?: string };

/** Starts the worker script in its own context, sends one message, resolves at its last answer. */
function runWorker(request: unknown, options: { subtle?: boolean } = {}): Promise<Message[]> {
  return new Promise((resolve) => {
    const messages: Message[] = [];
    const global: Record<string, unknown> = {
      TextEncoder,
      crypto: options.subtle === false ? {} : globalThis.crypto,
      postMessage(message: Message) {
        messages.push(message);
        if (message.type !== 'progress') resolve(messages);
      },
    };
    global.self = global;
    const context = createContext(global);
    runInContext(WORKER, context);
    (global.onmessage as (event: { data: unknown }) => void)({ data: request });
  });
}

describe('the proof-of-work worker', () => {
  it('finds the smallest solution, which the server accepts, reporting progress on the way', async () => {
    const { challenge } = issuePowChallenge(keyring, { difficulty: 10, ttlSeconds: 60 });
    const messages = await runWorker({ challenge, difficulty: 10, batch: 16, reportEvery: 64 });
    const found = messages.at(-1);
    expect(found?.type).toBe('found');
    expect(found?.solution).toBe(solvePowChallenge(challenge, 10));
    expect(found?.attempts).toBe(Number(found?.solution) + 1);
    expect(verifyPowSolution(keyring, challenge, found?.solution ?? '').ok).toBe(true);
    const progress = messages.slice(0, -1).map((m) => m.attempts ?? 0);
    expect(messages.slice(0, -1).every((m) => m.type === 'progress')).toBe(true);
    // Every report counts whole batches done before the solution, in steps of reportEvery.
    expect(progress).toEqual(progress.map((_, i) => (i + 1) * 64));
    expect(progress.every((n) => n < (found?.attempts ?? 0))).toBe(true);
  });

  it('answers "error" to a request it cannot serve, and where there is no WebCrypto', async () => {
    const { challenge } = issuePowChallenge(keyring, { difficulty: 4, ttlSeconds: 60 });
    for (const bad of [
      undefined,
      { challenge, difficulty: 0 },
      { challenge, difficulty: 33 },
      { challenge, difficulty: 2.5 },
      { challenge: 42, difficulty: 4 },
      { challenge: 'x'.repeat(201), difficulty: 4 },
      { challenge, difficulty: 4, batch: 0 },
      { challenge, difficulty: 4, reportEvery: -1 },
    ]) {
      expect(await runWorker(bad)).toEqual([{ type: 'error' }]);
    }
    expect(await runWorker({ challenge, difficulty: 4 }, { subtle: false })).toEqual([{ type: 'error' }]);
  });
});

describe('the difficulty under load', () => {
  const quiet = { depth: 0, capacity: 1_000 };
  it('stays at the operator level while the queue is quiet and rises with its fill', () => {
    expect(powLevel(18, quiet, NO_RAISE, 1_000).difficulty).toBe(18);
    expect([0, 99, 100, 250, 500, 750, 1_000].map((d) => raiseForLoad(d, 1_000))).toEqual([
      0, 0, 1, 2, 3, 4, 4,
    ]);
    expect(powLevel(18, { depth: 600, capacity: 1_000 }, NO_RAISE, 1_000).difficulty).toBe(21);
    // Never past the ceiling the configuration allows.
    expect(powLevel(27, { depth: 1_000, capacity: 1_000 }, NO_RAISE, 1_000).difficulty).toBe(28);
  });

  it('falls back one bit a minute once the queue has drained', () => {
    const t0 = 5_000_000;
    const raised = powLevel(18, { depth: 800, capacity: 1_000 }, NO_RAISE, t0);
    expect(raised.difficulty).toBe(22);
    const at = (minutes: number) =>
      powLevel(18, quiet, raised.raise, t0 + minutes * POW_RAISE_DECAY_MS).difficulty;
    expect([0, 0.5, 1, 2, 3, 4, 10].map(at)).toEqual([22, 22, 21, 20, 19, 18, 18]);
    // A smaller load while a larger raise is still held does not lower it.
    const held = powLevel(18, { depth: 150, capacity: 1_000 }, raised.raise, t0 + POW_RAISE_DECAY_MS);
    expect(held.difficulty).toBe(21);
    expect(held.raise).toBe(raised.raise);
  });
});

describe('the form page and the inbox', () => {
  const page = (difficulty: number) =>
    renderDocument(
      <IntakeFormPage
        locale="en"
        formToken="t"
        challenge={issuePowChallenge(keyring, { difficulty, ttlSeconds: 60 }).challenge}
        powBase={18}
        values={{}}
        errors={{}}
      />,
    );

  it('carries the sending-securely panel as hidden HTML, and names a raised difficulty', () => {
    const normal = page(18);
    expect(normal).toMatch(/<div id="pow-progress" class="pow-progress" hidden>/);
    expect(normal).toContain('Sending securely, this can take a minute.');
    expect(normal).toContain('<progress max="262144" value="0" aria-labelledby="pow-message">');
    expect(normal).toContain('data-template="Security check: {done} of about {expected} attempts."');
    expect(normal).not.toContain('id="pow-level"');
    const raised = page(20);
    expect(raised).toContain('id="pow-level"');
    expect(raised).toContain('about ×4 (level 20; usually 18)');
  });

  it('writes file sizes in the reader language', () => {
    expect(['ru', 'uk', 'en'].map((l) => fileSize(8_000, l as 'en'))).toEqual(['8 кБ', '8 кБ', '8 kB']);
    expect(fileSize(1, 'en')).toBe('1 kB');
    expect(fileSize(2.5 * 1024 * 1024, 'ru')).toBe('2,5 МБ');
  });
});
