/**
 * `sanctuary link --input F.jsonl --output G.jsonl [--mode plain|private] [--strict] [--explain ID]`
 *
 * Reads person records (JSON Lines, only `id` required), links them, and writes one line per
 * input record: {"id":"r1","clusterId":"c17"}. See DESIGN.md §4 and docs/linkage.md.
 *
 * - Streaming input; a line longer than 1 MiB is skipped without being held in memory.
 * - A bad line is reported on stderr with its line number (never its content) and skipped;
 *   with --strict it is fatal (exit 65) and no output is written.
 * - The output is written to a temporary file and renamed into place, so a failed run never
 *   leaves a half-written output.
 * - Private mode needs the linkage secret: --secret-file F, or SANCTUARY_LINKAGE_SECRET
 *   (hex or base64 of at least 32 bytes; e.g. `openssl rand -hex 32`).
 */
import { createReadStream, createWriteStream, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import {
  createLinker,
  type LinkMode,
  type LinkResult,
  RecordError,
  validateRecord,
} from '../modules/linkage/index.ts';
import { Presets, SingleBar } from 'cli-progress';
import type { CliCall, CliValues } from './main.ts';

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;
const EX_IOERR = 74;
const MAX_LINE_BYTES = 1024 * 1024;
/** At most this many bad lines are listed one by one; the rest are counted. */
const MAX_REPORTED = 20;

class UsageError extends Error {}

interface Options {
  input: string;
  output: string | undefined;
  mode: LinkMode;
  strict: boolean;
  explain: string | undefined;
  secret: Uint8Array | undefined;
  threshold: number | undefined;
}

/** Decodes a linkage secret written as hex or base64; undefined when it is too short. */
export function decodeSecret(text: string): Uint8Array | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) {
    const b = Buffer.from(t, 'hex');
    return b.length >= 32 ? b : undefined;
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    return b.length >= 32 ? b : undefined;
  }
  return undefined;
}

function parseOptions(values: CliValues): Options {
  const v = values as Record<string, string | undefined> & { strict?: boolean };
  if (v.input === undefined) throw new UsageError('--input is required');
  if (v.output === undefined && v.explain === undefined) throw new UsageError('--output is required');
  if (v.output === '-' && v.explain !== undefined)
    throw new UsageError('--explain prints on standard output: give --output a file, not -');
  const mode = v.mode ?? 'plain';
  if (mode !== 'plain' && mode !== 'private') throw new UsageError('--mode must be "plain" or "private"');
  let threshold: number | undefined;
  if (v.threshold !== undefined) {
    threshold = Number(v.threshold);
    if (!(threshold > 0 && threshold < 1) && !(mode === 'private' && threshold === 1)) {
      throw new UsageError('--threshold must be a number between 0 and 1');
    }
  }
  let secret: Uint8Array | undefined;
  if (mode === 'private') {
    let text: string | undefined;
    if (v['secret-file'] !== undefined) {
      try {
        text = readFileSync(v['secret-file'], 'utf8');
      } catch {
        throw new UsageError(`cannot read the secret file ${v['secret-file']}`);
      }
    } else text = process.env.SANCTUARY_LINKAGE_SECRET;
    if (text === undefined || text.trim() === '') {
      throw new UsageError(
        'private mode needs the linkage secret: --secret-file FILE or SANCTUARY_LINKAGE_SECRET ' +
          '(hex or base64 of at least 32 bytes, e.g. `openssl rand -hex 32`, shared with the partner)',
      );
    }
    secret = decodeSecret(text);
    if (secret === undefined) {
      throw new UsageError(
        'the linkage secret must be hex or base64 of at least 32 bytes (e.g. `openssl rand -hex 32`)',
      );
    }
  } else if (v['secret-file'] !== undefined) {
    throw new UsageError('--secret-file is only used with --mode private');
  }
  return {
    input: v.input,
    output: v.output,
    mode,
    strict: v.strict === true,
    explain: v.explain,
    secret,
    threshold,
  };
}

/**
 * Yields the lines of a file with their numbers, without ever holding more than
 * MAX_LINE_BYTES of one line: longer lines are yielded as `undefined` (too long).
 */
async function* readLines(
  stream: NodeJS.ReadableStream,
  onBytes: (n: number) => void,
): AsyncGenerator<[number, string | undefined]> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let lineNo = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onBytes(chunk.length);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!tooLong) {
        if (partBytes + (end - start) > MAX_LINE_BYTES) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          partBytes += end - start;
        }
      }
      if (nl === -1) break;
      lineNo++;
      yield [lineNo, tooLong ? undefined : Buffer.concat(parts, partBytes).toString('utf8')];
      parts = [];
      partBytes = 0;
      tooLong = false;
      start = nl + 1;
    }
  }
  if (partBytes > 0 || tooLong) {
    lineNo++;
    yield [lineNo, tooLong ? undefined : Buffer.concat(parts, partBytes).toString('utf8')];
  }
}

/** Progress on standard error when it is a terminal (cli-progress); nothing otherwise. */
function progressBar(total: number): { update(done: number, label: string): void; clear(): void } {
  if (process.stderr.isTTY !== true || total === 0) return { update() {}, clear() {} };
  let bar: SingleBar | undefined;
  return {
    update(done, label) {
      if (bar === undefined) {
        bar = new SingleBar(
          { stream: process.stderr, format: '{label} [{bar}] {percentage}%', fps: 10, clearOnComplete: true },
          Presets.legacy,
        );
        bar.start(total, 0, { label: label.padEnd(10) });
      }
      bar.update(Math.min(done, total), { label: label.padEnd(10) });
    },
    clear() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Writes every line to `out`, waiting for it to drain; resolves when all is handed over. */
function writeLines(out: NodeJS.WritableStream, result: LinkResult): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    let i = 0;
    const n = result.ids.length;
    const writeSome = (): void => {
      while (i < n) {
        let buf = '';
        const end = Math.min(n, i + 4096);
        for (; i < end; i++)
          buf += `${JSON.stringify({ id: result.ids[i], clusterId: result.clusterId(i) })}\n`;
        if (!out.write(buf)) {
          out.once('drain', writeSome);
          return;
        }
      }
      out.removeListener('error', reject);
      resolve();
    };
    writeSome();
  });
}

async function writeOutput(path: string, result: LinkResult): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  try {
    await writeLines(out, result);
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
}

/** Runs `sanctuary link`; returns the exit code. */
export async function run(_args: string[], call: CliCall): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(call.values);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sanctuary link: ${err.message} (sanctuary link --help)\n`);
      return EX_USAGE;
    }
    throw err;
  }
  // `-`: standard input (its size is unknown: the bar then shows the linking phases only).
  let size = 0;
  if (opts.input !== '-') {
    try {
      const st = statSync(opts.input);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      process.stderr.write(`sanctuary link: cannot read input file ${opts.input}\n`);
      return EX_NOINPUT;
    }
  }
  const input = opts.input === '-' ? process.stdin : createReadStream(opts.input);
  const started = performance.now();
  const scale = size > 0 ? size : 1000;
  const bar = progressBar(scale);
  const linker = createLinker({
    mode: opts.mode,
    secret: opts.secret,
    threshold: opts.threshold,
    onProgress: (phase, frac) => bar.update(Math.round(frac * scale), phase),
  });
  let bytes = 0;
  let bad = 0;
  for await (const [lineNo, line] of readLines(input, (n) => {
    bytes += n;
    if (size > 0) bar.update(bytes, 'reading');
  })) {
    let problem: string | undefined;
    if (line === undefined) problem = `longer than ${MAX_LINE_BYTES} bytes`;
    else if (line.trim() === '') continue;
    else {
      try {
        linker.add(validateRecord(JSON.parse(line)));
      } catch (err) {
        if (err instanceof SyntaxError) problem = 'not valid JSON';
        else if (err instanceof RecordError) problem = err.message;
        else throw err;
      }
    }
    if (problem !== undefined) {
      bad++;
      if (opts.strict) {
        bar.clear();
        process.stderr.write(
          `sanctuary link: line ${lineNo}: ${problem} (--strict: stopping, nothing written)\n`,
        );
        return EX_DATAERR;
      }
      if (bad <= MAX_REPORTED) {
        bar.clear();
        process.stderr.write(`sanctuary link: line ${lineNo}: ${problem}; skipped\n`);
      }
    }
  }
  if (bad > MAX_REPORTED)
    process.stderr.write(`sanctuary link: ${bad - MAX_REPORTED} more bad lines skipped\n`);
  const result = linker.finish();
  bar.clear();
  if (opts.output !== undefined) {
    try {
      if (opts.output === '-') await writeLines(process.stdout, result);
      else await writeOutput(opts.output, result);
    } catch (err) {
      process.stderr.write(`sanctuary link: cannot write ${opts.output}: ${(err as Error).message}\n`);
      return EX_IOERR;
    }
  }
  const s = result.stats;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stderr.write(
    `sanctuary link (${opts.mode}): ${s.records} records, ${s.candidatePairs} candidate pairs, ` +
      `${s.links} links, ${s.clusters} clusters in ${seconds} s` +
      `${bad > 0 ? `; ${bad} bad lines skipped` : ''}` +
      `${s.droppedBlocks > 0 ? `; ${s.droppedBlocks} oversized blocks dropped` : ''}\n`,
  );
  if (opts.explain !== undefined) {
    const explanation = result.explain(opts.explain);
    if (explanation === undefined) {
      process.stderr.write(
        `sanctuary link: no record with id ${JSON.stringify(opts.explain)} in the input\n`,
      );
      return EX_DATAERR;
    }
    process.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
  }
  return 0;
}
