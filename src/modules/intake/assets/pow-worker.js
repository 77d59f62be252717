// Proof of work off the main thread (ADR 0042, ADR 0196), served from our own origin as
// /intake/pow-worker.js. The same search as the server's verifier expects: the smallest n with
// SHA-256(challenge + ":" + n) starting with `difficulty` zero bits. Digests are asked of WebCrypto
// in batches (one await per batch, not per attempt), so the page stays responsive and can show
// progress.
//
// Protocol (one search per worker):
//   in:  { challenge: string, difficulty: integer 1..32, batch?: integer, reportEvery?: integer }
//   out: { type: 'progress', attempts }      every `reportEvery` attempts (about four a second)
//        { type: 'found', solution, attempts } once, solution a decimal string
//        { type: 'error' }                     bad request, or no WebCrypto here (the page then
//                                              falls back to its own path)

const enc = new TextEncoder();

/** Leading zero bits of a digest (as src/crypto/pow.ts counts them). */
function zeroBits(buffer) {
  let bits = 0;
  for (const byte of new Uint8Array(buffer)) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

async function solve(challenge, difficulty, batch, reportEvery, report) {
  let nextReport = reportEvery;
  for (let start = 0; ; start += batch) {
    const digests = [];
    for (let n = start; n < start + batch; n += 1) {
      digests.push(crypto.subtle.digest('SHA-256', enc.encode(`${challenge}:${n}`)));
    }
    const hashes = await Promise.all(digests);
    for (let i = 0; i < hashes.length; i += 1) {
      if (zeroBits(hashes[i]) >= difficulty) return { solution: String(start + i), attempts: start + i + 1 };
    }
    if (start + batch >= nextReport) {
      report(start + batch);
      nextReport += reportEvery;
    }
  }
}

const positive = (value, fallback, max) =>
  value === undefined ? fallback : Number.isInteger(value) && value >= 1 && value <= max ? value : 0;

self.onmessage = (event) => {
  const data = event.data ?? {};
  const batch = positive(data.batch, 256, 65_536);
  const reportEvery = positive(data.reportEvery, 16_384, 1 << 30);
  if (
    typeof data.challenge !== 'string' ||
    data.challenge.length > 200 ||
    !Number.isInteger(data.difficulty) ||
    data.difficulty < 1 ||
    data.difficulty > 32 ||
    batch === 0 ||
    reportEvery === 0 ||
    !self.crypto?.subtle
  ) {
    self.postMessage({ type: 'error' });
    return;
  }
  solve(data.challenge, data.difficulty, batch, reportEvery, (attempts) =>
    self.postMessage({ type: 'progress', attempts }),
  ).then(
    (found) => self.postMessage({ type: 'found', ...found }),
    () => self.postMessage({ type: 'error' }),
  );
};
