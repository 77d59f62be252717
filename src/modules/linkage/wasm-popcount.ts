/**
 * A tiny WebAssembly SIMD kernel, assembled here byte by byte (no toolchain, nothing vendored):
 *
 *   scan(query, base, n, pops, pa, t, out) -> matches
 *
 * For each of the n encodings at `base` (rows of `bits` bits), it computes
 * c = popcount(query AND row) with v128.and + i8x16.popcnt, and when
 * 2c >= t * (pa + pops[k]) (i.e. Dice >= t) writes (k, c) as two i32 at out. Memory is
 * imported, so the caller sizes it.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;

/** Module bytes of the kernel for encodings of `bits` bits (a multiple of 128, at most 3968). */
export function buildDiceKernel(bits: number): Uint8Array<ArrayBuffer> {
  if (bits % 128 !== 0 || bits < 128 || bits > 3968) throw new Error(`unsupported encoding size ${bits}`);
  const vectors = bits / 128;
  const rowBytes = bits / 8;
  const [pQ, pBase, pN, pPops, pPa, pT, pOut] = [0, 1, 2, 3, 4, 5, 6];
  const lK = 7;
  const lM = 8;
  const lC = 9;
  const lQ0 = 10;
  const lTmp = lQ0 + vectors;
  const get = (l: number) => [0x20, ...uleb(l)];
  const set = (l: number) => [0x21, ...uleb(l)];
  const v128load = (offset: number) => [SIMD, 0x00, 4, ...uleb(offset)];
  const body: number[] = [];
  for (let w = 0; w < vectors; w++) body.push(...get(pQ), ...v128load(16 * w), ...set(lQ0 + w));
  body.push(0x02, 0x40); // block
  body.push(0x03, 0x40); // loop
  body.push(...get(lK), ...get(pN), 0x4f, 0x0d, 1); // k >= n -> br_if 1
  for (let w = 0; w < vectors; w++) {
    body.push(...get(pBase), ...v128load(16 * w), ...get(lQ0 + w), SIMD, 0x4e, SIMD, 0x62);
    if (w > 0) body.push(SIMD, 0x6e);
  }
  body.push(SIMD, 0x7d, SIMD, 0x7f, ...set(lTmp));
  for (let lane = 0; lane < 4; lane++) {
    body.push(...get(lTmp), SIMD, 0x1b, lane);
    if (lane > 0) body.push(0x6a);
  }
  body.push(...set(lC));
  // if (f32(c << 1) >= t * f32(pa + pops[k]))
  body.push(...get(lC), 0x41, 1, 0x74, 0xb3);
  body.push(...get(pT));
  body.push(...get(pPa), ...get(pPops), ...get(lK), 0x41, 1, 0x74, 0x6a, 0x2f, 1, 0, 0x6a, 0xb3);
  body.push(0x94, 0x60);
  body.push(0x04, 0x40); // if
  body.push(...get(pOut), ...get(lM), 0x41, 3, 0x74, 0x6a, ...get(lK), 0x36, 2, 0);
  body.push(...get(pOut), ...get(lM), 0x41, 3, 0x74, 0x6a, ...get(lC), 0x36, 2, 4);
  body.push(...get(lM), 0x41, 1, 0x6a, ...set(lM));
  body.push(0x0b); // end if
  body.push(...get(pBase), 0x41, ...sleb(rowBytes), 0x6a, ...set(pBase));
  body.push(...get(lK), 0x41, 1, 0x6a, ...set(lK));
  body.push(0x0c, 0); // br 0 (loop)
  body.push(0x0b, 0x0b); // end loop, end block
  body.push(...get(lM), 0x0b); // return m; end function
  const locals = [2, 3, I32, ...uleb(vectors + 1), V128];
  const func = [...locals, ...body];
  const code = [1, ...uleb(func.length), ...func];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, F32, I32, 1, I32]),
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('scan'), 0x00, 0]),
    ...section(10, code),
  ];
  return Uint8Array.from(bytes);
}

/** True when this runtime can compile the kernel (WebAssembly SIMD available). */
export function wasmSimdAvailable(): boolean {
  try {
    return WebAssembly.validate(buildDiceKernel(128));
  } catch {
    return false;
  }
}
