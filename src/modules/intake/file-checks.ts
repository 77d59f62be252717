/**
 * Upload checks (ADR 0046): a small allow-list by magic bytes, and metadata stripping.
 *
 * - JPEG: rebuilt from its segments; every APPn (EXIF/GPS, XMP, IPTC, ICC…) and COM segment
 *   is dropped, and nothing after the end-of-image marker is kept (that is where ZIP/HTML
 *   polyglots hide).
 * - PNG: rebuilt from its chunks, keeping only the chunks needed to draw the image; every
 *   CRC is checked; nothing after IEND is kept. Compressed data is never inflated, so a
 *   decompression bomb costs us nothing.
 * - PDF: must start with "%PDF-" and end with "%%EOF" (nothing after it: polyglots), and is
 *   then parsed with pdf-lib in a child process (heap limit, processor-time limit, a deadline that
 *   answers "busy"; see PDF_LIMITS), which
 *   walks every object, those inside compressed object streams included, comparing names
 *   after decoding their #xx escapes. Refused: JavaScript, launch, embedded files, rich media,
 *   XFA forms, automatic actions (/AA; an /OpenAction other than going to a page), actions that
 *   submit, import or open other files or media, external streams; encrypted files (their
 *   streams cannot be read; reason 'encrypted'); object streams that inflate beyond a budget or
 *   use another filter than FlateDecode alone; and objects a viewer could find through the
 *   cross-reference table that pdf-lib did not parse. Link actions (/URI) that need a click are
 *   allowed. The working copy is rewritten by pdf-lib from the objects checked, without the
 *   information dictionary, file identifiers, XMP streams or /PieceInfo (finding 16 of issue 12);
 *   the original is kept only if asked, as for images. Staff download PDFs as attachments.
 *
 * Everything else (ZIP, HTML, SVG, executables, …) is refused.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { BusyError, Slots } from '../../platform/slots.ts';

export type AllowedType = 'image/jpeg' | 'image/png' | 'application/pdf';

/** Why an upload was refused; `detail` (fixed wording, no file content) says what was found. */
export class FileRejected extends Error {
  override name = 'FileRejected';
  constructor(
    readonly reason: 'type' | 'damaged' | 'encrypted',
    readonly detail?: string,
  ) {
    super(detail === undefined ? reason : `${reason}: ${detail}`);
  }
}

export function sniffType(head: Buffer): AllowedType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (
    head.length >= 8 &&
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (head.length >= 5 && head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

/** JPEG segments kept: frame headers, tables, scan data. Everything else is metadata. */
function keepJpegMarker(marker: number): boolean {
  if (marker >= 0xe0 && marker <= 0xef) return false; // APP0..APP15 (JFIF, EXIF, XMP, ICC, IPTC…)
  if (marker === 0xfe) return false; // COM
  return true;
}

export function stripJpeg(input: Buffer): Buffer {
  const out: Buffer[] = [Buffer.from([0xff, 0xd8])];
  let i = 2;
  for (;;) {
    if (i + 2 > input.length) throw new FileRejected('damaged');
    if (input[i] !== 0xff) throw new FileRejected('damaged');
    let marker = input[i + 1]!;
    while (marker === 0xff) {
      i += 1; // fill bytes
      if (i + 2 > input.length) throw new FileRejected('damaged');
      marker = input[i + 1]!;
    }
    if (marker === 0xd9) {
      out.push(Buffer.from([0xff, 0xd9]));
      return Buffer.concat(out);
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(input.subarray(i, i + 2));
      i += 2;
      continue;
    }
    if (i + 4 > input.length) throw new FileRejected('damaged');
    const length = input.readUInt16BE(i + 2);
    if (length < 2 || i + 2 + length > input.length) throw new FileRejected('damaged');
    const segment = input.subarray(i, i + 2 + length);
    if (keepJpegMarker(marker)) out.push(segment);
    i += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data runs until a marker that is not a restart marker or a stuffed 0x00.
      let j = i;
      for (;;) {
        if (j + 1 >= input.length) throw new FileRejected('damaged');
        if (input[j] === 0xff) {
          const next = input[j + 1]!;
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
            j += next === 0xff ? 1 : 2;
            continue;
          }
          break;
        }
        j += 1;
      }
      out.push(input.subarray(i, j));
      i = j;
    }
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks needed to render; text, time, EXIF, ICC profiles and private chunks are dropped. */
const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'bKGD',
  'pHYs',
  'sBIT',
]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function stripPng(input: Buffer): Buffer {
  if (!input.subarray(0, 8).equals(PNG_SIGNATURE)) throw new FileRejected('type');
  const out: Buffer[] = [PNG_SIGNATURE];
  let i = 8;
  let first = true;
  for (;;) {
    if (i + 12 > input.length) throw new FileRejected('damaged');
    const length = input.readUInt32BE(i);
    if (length > 0x7fffffff || i + 12 + length > input.length) throw new FileRejected('damaged');
    const type = input.subarray(i + 4, i + 8).toString('latin1');
    if (!/^[A-Za-z]{4}$/.test(type)) throw new FileRejected('damaged');
    if (first && type !== 'IHDR') throw new FileRejected('damaged');
    first = false;
    const body = input.subarray(i + 4, i + 8 + length);
    if (crc32(body) !== input.readUInt32BE(i + 8 + length)) throw new FileRejected('damaged');
    if (PNG_KEEP.has(type)) out.push(input.subarray(i, i + 12 + length));
    i += 12 + length;
    if (type === 'IEND') return Buffer.concat(out);
  }
}

/** Bounds of one PDF check (ADR 0046, amended 2026-11-29). */
export interface PdfLimits {
  /** Bytes pdf-lib may inflate while loading (object and cross-reference streams), all together. */
  inflateBudget: number;
  /** Object and cross-reference streams per file. */
  maxDecodedStreams: number;
  /** Nesting of arrays and dictionaries. */
  maxDepth: number;
  /** Old-generation heap of the process that parses the file. */
  heapMb: number;
  /**
   * Processor time the check may use (RLIMIT_CPU, whole seconds): a file that needs more is
   * refused as damaged. Processor time, not time on the clock: a busy machine that starves the
   * check does not make a valid file look hostile (finding 17 of issue 12, ADR 0093).
   */
  cpuSeconds: number;
  /**
   * Time on the clock after which the check is given up: answered as "busy, try again" (503)
   * where the processor-time limit applies, since the file had not used up its processor time;
   * as "damaged" only where the platform cannot limit processor time.
   */
  timeoutMs: number;
}

export const PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  inflateBudget: 64 * 1024 * 1024,
  maxDecodedStreams: 2000,
  maxDepth: 64,
  heapMb: 256,
  cpuSeconds: 10,
  timeoutMs: 60_000,
});

/** PDF checks running at once: each one is a process with its own heap. */
const PDF_CONCURRENCY = 2;

// pdf-lib's single-file build (dist/pdf-lib.js: the same version and code as its cjs/ tree, the
// same exported classes): a checking process loads it in about half the processor time of the
// few hundred files of cjs/ (0.13 s against 0.25 s with Node's own start), once per PDF checked.
const PDF_LIB_PATH = createRequire(import.meta.url).resolve('pdf-lib/dist/pdf-lib.js');

// The structural check runs in a child process (`node -e`, plain JavaScript like the linkage
// workers' sources, without the tsx loader and with an empty environment): pdf-lib's parser is
// synchronous and a hostile file can make it work hard or allocate much. Not a worker thread: a
// worker that reaches its resourceLimits heap can abort the whole server process (nodejs/node
// #47224; here, a native assertion in NodePlatform::ForIsolate within 40 out-of-memory workers).
// A process gets a heap limit (--max-old-space-size), a deadline (SIGKILL) and a lower priority,
// and its death costs only that check. It reads the file on stdin and writes one JSON line. It
// checks one file and exits, so it may patch pdf-lib's classes in place; the patches are pinned
// to pdf-lib 1.17.1 (package.json, exact version) and the tests fail if they stop working.
//
// What it does, in order:
// 1. Refuses a file that names /Encrypt anywhere: its strings and streams (object streams too)
//    cannot be read, so they cannot be checked.
// 2. Parses with pdf-lib, with four changes: names are decoded as the specification says (#xx
//    in either case; pdf-lib decodes upper-case hex only), a dictionary that names a key twice is
//    refused (viewers disagree on which value wins), every object ever assigned is kept (a later
//    definition of the same number must not hide an earlier one a viewer may use), and before an
//    object or cross-reference stream is decoded, its filter must be FlateDecode alone (no
//    chains, no LZW) and zlib inflates it within the budget, so pdf-lib's own inflate cannot be
//    a decompression bomb.
// 3. Walks every object (nested dictionaries and arrays, stream dictionaries) for active content,
//    and checks every /OpenAction (only a destination, or GoTo actions, also along /Next).
// 4. Every "N G obj" in the raw bytes must be an object pdf-lib parsed at that offset: a viewer
//    follows the cross-reference table, which may point into a stream, a string or a comment
//    that pdf-lib read as data. Likewise a stream with /First must be an object stream pdf-lib
//    parsed, and an object stream's /Length must match the data pdf-lib decoded.
const PDF_CHECK_SOURCE = String.raw`
const zlib = require('node:zlib');
const config = JSON.parse(process.argv[1]);
const reply = (verdict) => process.stdout.write(JSON.stringify(verdict) + '\n');
console.log = console.warn = console.error = console.info = console.debug = () => {};
const L = require(config.pdfLib);
const { PDFArray, PDFCatalog, PDFContext, PDFDict, PDFDocument, PDFName, PDFNumber, PDFObjectParser,
  PDFObjectStreamParser, PDFPageLeaf, PDFPageTree, PDFParser, PDFRef, PDFStream, PDFXRefStreamParser } = L;
const limits = config.limits;
let bytes;
let text;

const ACTIVE_KEYS = new Set(['JS', 'JavaScript', 'Launch', 'EmbeddedFile', 'EmbeddedFiles', 'EF', 'RichMedia',
  'XFA', 'AA', 'AlternatePresentations', 'OnInstantiate']);
const ACTIVE_ACTIONS = new Set(['JavaScript', 'Launch', 'ImportData', 'SubmitForm', 'GoToR', 'GoToE', 'Thread',
  'RichMediaExecute', 'Rendition', 'Movie', 'Sound']);
const ACTIVE_SUBTYPES = new Set(['3D', 'RichMedia', 'Movie', 'Sound', 'Screen', 'FileAttachment']);

class Refusal extends Error {
  constructor(reason, detail) { super(detail); this.reason = reason; this.detail = detail; }
}
let refusal;
function refuse(reason, detail) {
  if (refusal === undefined) refusal = new Refusal(reason, detail);
  throw refusal;
}
function decodeName(raw) {
  return raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}
const N = (name) => PDFName.of(name);

// 2. pdf-lib, patched.
const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;
PDFObjectParser.prototype.parseName = function () {
  this.bytes.assertNext(0x2f);
  let raw = '';
  while (!this.bytes.done()) {
    const b = this.bytes.peek();
    if (WS[b] || DELIM[b]) break;
    raw += String.fromCharCode(b);
    this.bytes.next();
  }
  // PDFName.of decodes upper-case #xx again; '#23' keeps a decoded '#' as it is.
  return PDFName.of(decodeName(raw).replace(/#/g, '#23'));
};
PDFObjectParser.prototype.parseDict = function () {
  this.bytes.assertNext(0x3c);
  this.bytes.assertNext(0x3c);
  this.skipWhitespaceAndComments();
  const map = new Map();
  while (!this.bytes.done() && this.bytes.peek() !== 0x3e && this.bytes.peekAhead(1) !== 0x3e) {
    const key = this.parseName();
    const value = this.parseObject();
    if (map.has(key)) refuse('damaged', 'a dictionary names the same key twice');
    map.set(key, value);
    this.skipWhitespaceAndComments();
  }
  this.skipWhitespaceAndComments();
  this.bytes.assertNext(0x3e);
  this.bytes.assertNext(0x3e);
  const type = map.get(N('Type'));
  const Kind = type === N('Catalog') ? PDFCatalog : type === N('Pages') ? PDFPageTree
    : type === N('Page') ? PDFPageLeaf : PDFDict;
  return Kind.fromMapWithContext(map, this.context);
};
const objectStarts = new Set();
const parseIndirectObject = PDFParser.prototype.parseIndirectObject;
PDFParser.prototype.parseIndirectObject = function () {
  objectStarts.add(this.bytes.offset());
  return parseIndirectObject.call(this);
};
const definitions = new Map();
const everything = [];
const assign = PDFContext.prototype.assign;
PDFContext.prototype.assign = function (ref, object) {
  const list = definitions.get(ref.tag);
  if (list === undefined) definitions.set(ref.tag, [object]);
  else list.push(object);
  everything.push(object);
  return assign.call(this, ref, object);
};
let budget = limits.inflateBudget;
const decodedStreams = [];
function boundDecoding(stream) {
  decodedStreams.push(stream);
  if (decodedStreams.length > limits.maxDecodedStreams) refuse('damaged', 'too many object streams');
  const filter = stream.dict.get(N('Filter'));
  if (filter === undefined) return;
  const flate = filter === N('FlateDecode') ||
    (filter instanceof PDFArray && filter.size() === 1 && filter.get(0) === N('FlateDecode'));
  if (!flate) refuse('damaged', 'an object stream uses a filter other than FlateDecode alone');
  // pdf-lib's inflate (pdf.js's) checks the two-byte zlib header, then reads deflate data to its
  // final block: the same data zlib reads here, in bounded memory, before pdf-lib does.
  const data = stream.contents;
  if (data.length < 2) refuse('damaged', 'an object stream is not valid Flate data');
  let out;
  try {
    out = zlib.inflateRawSync(data.subarray(2), {
      maxOutputLength: Math.max(1, budget),
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
  } catch (error) {
    if (error && error.code === 'ERR_BUFFER_TOO_LARGE') refuse('damaged', 'object streams inflate beyond the limit');
    refuse('damaged', 'an object stream is not valid Flate data');
  }
  budget -= out.length;
  if (budget < 0) refuse('damaged', 'object streams inflate beyond the limit');
}
const objectStreamFor = PDFObjectStreamParser.forStream;
PDFObjectStreamParser.forStream = function (stream, tick) {
  boundDecoding(stream);
  return objectStreamFor.call(this, stream, tick);
};
const xrefStreamFor = PDFXRefStreamParser.forStream;
PDFXRefStreamParser.forStream = function (stream) {
  boundDecoding(stream);
  return xrefStreamFor.call(this, stream);
};

// 3. Every object.
function resolve(value) {
  const out = [];
  const todo = [[value, 0]];
  while (todo.length > 0) {
    const [v, hops] = todo.pop();
    if (!(v instanceof PDFRef)) { out.push(v); continue; }
    if (hops > 8) refuse('damaged', 'a chain of references is too long');
    for (const d of definitions.get(v.tag) || []) todo.push([d, hops + 1]);
  }
  return out;
}
function namesOf(value) {
  return resolve(value).filter((v) => v instanceof PDFName).map((v) => v.decodeText());
}
const openActions = [];
function inspectDict(dict, stream) {
  for (const [key, value] of dict.entries()) {
    const k = key.decodeText();
    if (ACTIVE_KEYS.has(k)) refuse('damaged', 'active content: /' + k);
    if (k === 'S') for (const n of namesOf(value)) {
      if (ACTIVE_ACTIONS.has(n)) refuse('damaged', 'an action of type /' + n);
    }
    if (k === 'Subtype') for (const n of namesOf(value)) {
      if (ACTIVE_SUBTYPES.has(n)) refuse('damaged', 'an object of subtype /' + n);
    }
    if (k === 'Type' && namesOf(value).includes('EmbeddedFile')) refuse('damaged', 'an embedded file');
    if (k === 'FS' && namesOf(value).includes('URL')) refuse('damaged', 'a file specification by URL');
    if (k === 'OpenAction') openActions.push(value);
  }
  if (stream === 'plain' || stream === 'decoded') {
    if (dict.has(N('F')) || dict.has(N('FFilter')) || dict.has(N('FDecodeParms'))) {
      refuse('damaged', 'a stream whose data is in another file');
    }
    if (dict.has(N('Ref')) && namesOf(dict.get(N('Subtype'))).includes('Form')) {
      refuse('damaged', 'a form that imports another file');
    }
  }
  if (stream === 'plain' && dict.has(N('First'))) refuse('damaged', 'an object stream pdf-lib did not read');
}
function walk(root, kind) {
  const todo = [[root, 0]];
  while (todo.length > 0) {
    const [v, depth] = todo.pop();
    if (depth > limits.maxDepth) refuse('damaged', 'objects nested too deeply');
    let dict;
    if (v instanceof PDFStream) {
      dict = v.dict;
      inspectDict(dict, depth === 0 ? kind : 'plain');
    } else if (v instanceof PDFDict) {
      dict = v;
      inspectDict(dict, 'none');
    } else if (v instanceof PDFArray) {
      for (const item of v.asArray()) todo.push([item, depth + 1]);
    }
    if (dict !== undefined) for (const [, item] of dict.entries()) todo.push([item, depth + 1]);
  }
}
// An automatic action may only go to a page of this document: a destination, or GoTo actions
// (along /Next too). A URI, a named action or anything else is refused when nobody clicked.
function checkAutomatic(value, context, depth) {
  if (depth > 16) refuse('damaged', 'a chain of actions is too long');
  for (const v of resolve(value)) {
    if (v instanceof PDFArray) {
      if (context === 'open') continue;
      if (context === 'next') for (const item of v.asArray()) checkAutomatic(item, 'action', depth + 1);
      else refuse('damaged', 'an automatic action that is not an action');
    } else if (v instanceof PDFDict) {
      const types = namesOf(v.get(N('S')));
      if (types.length === 0 || types.some((t) => t !== 'GoTo')) {
        refuse('damaged', 'an automatic action other than GoTo');
      }
      if (v.has(N('Next'))) checkAutomatic(v.get(N('Next')), 'next', depth + 1);
    } else if (v instanceof PDFStream) {
      refuse('damaged', 'an automatic action that is not an action');
    }
  }
}

async function main() {
  // 1. Encryption, from the raw bytes (a trailer pdf-lib skips still counts for a viewer).
  for (const m of text.matchAll(/\/([^\0\t\n\f\r ()<>\[\]{}\/%]+)/g)) {
    if (decodeName(m[1]) === 'Encrypt') refuse('encrypted', 'the file is encrypted');
  }
  let doc;
  try {
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      throwOnInvalidObject: true,
      parseSpeed: Infinity,
    });
  } catch (error) {
    if (refusal !== undefined) throw refusal;
    refuse('damaged', 'pdf-lib could not parse the file');
  }
  if (refusal !== undefined) throw refusal;
  const context = doc.context;
  if (context.trailerInfo.Encrypt !== undefined) refuse('encrypted', 'the file is encrypted');
  for (const object of everything) walk(object, 'plain');
  for (const stream of decodedStreams) walk(stream, 'decoded');
  for (const value of openActions) checkAutomatic(value, 'open', 0);
  // 4. Objects a viewer could reach that pdf-lib did not parse.
  const header = /(?<![0-9])[0-9]+(?:[\0\t\n\f\r ]|%[^\r\n]*[\r\n])+[0-9]+(?:[\0\t\n\f\r ]|%[^\r\n]*[\r\n])+obj/g;
  for (const m of text.matchAll(header)) {
    if (!objectStarts.has(m.index)) refuse('damaged', 'an object outside the objects pdf-lib parsed');
  }
  for (const stream of decodedStreams) {
    const lengths = resolve(stream.dict.get(N('Length')));
    if (lengths.length === 0 || lengths.some((l) => !(l instanceof PDFNumber) || l.asNumber() !== stream.contents.length)) {
      refuse('damaged', 'an object stream whose /Length does not match its data');
    }
  }
  if (!(context.lookup(context.trailerInfo.Root) instanceof PDFDict)) refuse('damaged', 'no document catalog');
  // 5. The working copy, without metadata: the document information dictionary (Author,
  // Creator, Producer, dates), the file identifiers, every XMP stream (/Metadata, anywhere) and
  // applications' private data (/PieceInfo). Written anew from the objects checked above, so
  // earlier revisions (incremental updates, with their own metadata) are dropped too.
  const trailer = context.trailerInfo;
  if (trailer.Info instanceof PDFRef) context.delete(trailer.Info);
  trailer.Info = undefined;
  trailer.ID = undefined;
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : undefined;
    if (dict === undefined) continue;
    if (object instanceof PDFStream && (dict.get(N('Type')) === N('Metadata') || dict.get(N('Subtype')) === N('XML'))) {
      context.delete(ref);
      continue;
    }
    for (const key of ['Metadata', 'PieceInfo']) {
      const value = dict.get(N(key));
      if (value === undefined) continue;
      dict.delete(N(key));
      if (value instanceof PDFRef) context.delete(value);
    }
  }
  try {
    return Buffer.from(await doc.save({ useObjectStreams: false, updateFieldAppearances: false, addDefaultPage: false }));
  } catch (error) {
    refuse('damaged', 'the file could not be rewritten without its metadata');
  }
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks);
  chunks.length = 0;
  bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  text = input.toString('latin1');
  main().then(
    (cleaned) => {
      // The verdict line, then the working copy's bytes.
      reply({ ok: true, size: cleaned.length });
      process.stdout.write(cleaned);
    },
    (error) => reply(
      refusal !== undefined
        ? { ok: false, reason: refusal.reason, detail: refusal.detail }
        : { ok: false, reason: 'damaged', detail: 'the check failed: ' + String(error && error.name) },
    ),
  );
});
`;

type PdfVerdict =
  | { ok: true; cleaned: Buffer }
  | { ok: false; reason: 'damaged' | 'encrypted'; detail: string };

/** PDF checks that may wait for a slot; more get BusyError (each may take the full timeout). */
export const PDF_MAX_WAITING = 16;

const PDF_SLOTS = new Slots(PDF_CONCURRENCY);

/**
 * The verdict from the child's output (a JSON line, then, for a file accepted, exactly `size`
 * bytes of its working copy, which must be a PDF), or undefined if it wrote none we can read.
 */
function parseVerdict(output: Buffer): PdfVerdict | undefined {
  const newline = output.indexOf(0x0a);
  if (newline < 0) return undefined;
  try {
    const v = JSON.parse(output.subarray(0, newline).toString('utf8')) as Partial<{
      ok: boolean;
      size: number;
      reason: string;
      detail: string;
    }>;
    if (v.ok === true) {
      const cleaned = output.subarray(newline + 1);
      if (v.size !== cleaned.length || sniffType(cleaned.subarray(0, 5)) !== 'application/pdf')
        return undefined;
      return { ok: true, cleaned };
    }
    if (
      v.ok === false &&
      (v.reason === 'damaged' || v.reason === 'encrypted') &&
      typeof v.detail === 'string'
    ) {
      return { ok: false, reason: v.reason, detail: v.detail.slice(0, 200) };
    }
  } catch {
    // no verdict
  }
  return undefined;
}

/** The process a PDF check runs in (tests pass a simulated one: see PdfCheckStarter). */
export type PdfCheckProcess = Pick<
  ChildProcessByStdio<Writable, Readable, null>,
  'stdin' | 'stdout' | 'pid' | 'exitCode' | 'signalCode' | 'kill' | 'once'
>;

/** Starts the checking process; `cpuLimited` says whether it runs under RLIMIT_CPU. */
export type PdfCheckStarter = (
  nodeArgs: string[],
  limits: PdfLimits,
) => { child: PdfCheckProcess; cpuLimited: boolean };

/**
 * The command that runs the check under a processor-time limit: `/bin/sh` sets RLIMIT_CPU
 * (`ulimit -S -t`, the soft limit, whose default action is SIGXCPU, which Node does not catch)
 * and `exec`s Node, so the limit is the kernel's and counts only this process's own time.
 * Where there is no POSIX shell (Windows), Node runs directly and only the clock limits it.
 */
export function pdfCheckCommand(
  nodeArgs: string[],
  limits: Pick<PdfLimits, 'cpuSeconds'>,
): { file: string; args: string[]; cpuLimited: boolean } {
  if (process.platform !== 'win32' && existsSync('/bin/sh')) {
    const seconds = Math.max(1, Math.ceil(limits.cpuSeconds));
    // "$0" and "$@" are Node and its arguments, passed as separate words: nothing is quoted.
    return {
      file: '/bin/sh',
      // If the shell cannot set it (a hard limit already lower), that lower limit applies.
      args: ['-c', `ulimit -S -t ${seconds} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...nodeArgs],
      cpuLimited: true,
    };
  }
  return { file: process.execPath, args: nodeArgs, cpuLimited: false };
}

const startPdfCheck: PdfCheckStarter = (nodeArgs, limits) => {
  const command = pdfCheckCommand(nodeArgs, limits);
  const child = spawn(command.file, command.args, {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: {},
    windowsHide: true,
  });
  return { child, cpuLimited: command.cpuLimited };
};

/** Parses one PDF in a fresh process with a heap limit, a processor-time limit and a deadline. */
function inspectPdfInProcess(
  input: Buffer,
  limits: PdfLimits,
  start: PdfCheckStarter = startPdfCheck,
): Promise<PdfVerdict> {
  return new Promise<PdfVerdict>((resolve, reject) => {
    const config = JSON.stringify({
      pdfLib: PDF_LIB_PATH,
      limits: {
        inflateBudget: limits.inflateBudget,
        maxDecodedStreams: limits.maxDecodedStreams,
        maxDepth: limits.maxDepth,
      },
    });
    const { child, cpuLimited } = start(
      [`--max-old-space-size=${limits.heapMb}`, '--max-semi-space-size=16', '-e', PDF_CHECK_SOURCE, config],
      limits,
    );
    let settled = false;
    const settle = (verdict: PdfVerdict | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (verdict instanceof Error) reject(verdict);
      else resolve(verdict);
    };
    // The clock ran out before the processor-time limit did: the machine is busy, not the file
    // hostile (a file that needs too much processor time gets SIGXCPU first). Without a
    // processor-time limit the clock is all there is, and the file is refused as before.
    const timer = setTimeout(
      () =>
        settle(
          cpuLimited
            ? new BusyError('the PDF check was starved of processor time')
            : { ok: false, reason: 'damaged', detail: 'the check took too long' },
        ),
      limits.timeoutMs,
    );
    // The verdict line and the working copy, which may be somewhat larger than the file sent.
    const maxOutput = 4096 + Math.max(4 * input.length, 1024 * 1024);
    const chunks: Buffer[] = [];
    let received = 0;
    const output = () => Buffer.concat(chunks, received);
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > maxOutput) settle({ ok: false, reason: 'damaged', detail: 'the check failed' });
    });
    child.once('spawn', () => {
      try {
        if (child.pid !== undefined) setPriority(child.pid, 10); // a check must not starve the server
      } catch {
        // not allowed here: run at the same priority
      }
    });
    child.once('error', (error) => settle(new Error('the PDF check could not start', { cause: error })));
    child.once('close', (code, signal) => {
      const verdict = parseVerdict(output());
      if (verdict !== undefined) settle(verdict);
      else if (signal === 'SIGXCPU') {
        settle({ ok: false, reason: 'damaged', detail: 'the check used too much processor time' });
      } else if (signal === 'SIGABRT' || code === 134) {
        settle({ ok: false, reason: 'damaged', detail: 'the check ran out of memory' });
      } else settle({ ok: false, reason: 'damaged', detail: 'the check stopped' });
    });
    child.stdin.on('error', () => {}); // the child may die before reading all of the file
    child.stdin.end(input);
  });
}

/**
 * Checks a PDF (see the top of this file): the signature, nothing after the last "%%EOF", then a
 * structural inspection in a child process. Returns the working copy, rewritten without its
 * metadata by the same process; throws FileRejected.
 */
export async function checkPdf(
  input: Buffer,
  limits: PdfLimits = PDF_LIMITS,
  start: PdfCheckStarter = startPdfCheck,
): Promise<Buffer> {
  if (sniffType(input.subarray(0, 5)) !== 'application/pdf') throw new FileRejected('type');
  const text = input.toString('latin1');
  const eof = text.lastIndexOf('%%EOF');
  if (eof < 0) throw new FileRejected('damaged', 'no %%EOF at the end');
  if (text.slice(eof + 5).trim() !== '') throw new FileRejected('damaged', 'data after %%EOF');
  const verdict = await PDF_SLOTS.run(
    () => inspectPdfInProcess(input, limits, start),
    PDF_MAX_WAITING,
    'pdf checks busy',
  );
  if (!verdict.ok) throw new FileRejected(verdict.reason, verdict.detail);
  return verdict.cleaned;
}

/**
 * Checks a whole upload; returns its type and the copy staff see (metadata stripped). Images are
 * checked in this thread (they are never decompressed); a PDF is parsed in a child process.
 */
export async function inspectUpload(input: Buffer): Promise<{ type: AllowedType; cleaned: Buffer }> {
  const type = sniffType(input.subarray(0, 16));
  if (type === undefined) throw new FileRejected('type');
  switch (type) {
    case 'image/jpeg':
      return { type, cleaned: stripJpeg(input) };
    case 'image/png':
      return { type, cleaned: stripPng(input) };
    case 'application/pdf':
      return { type, cleaned: await checkPdf(input) };
  }
}

/** A safe display name: no directories, no control characters, bounded. Never used as a path. */
export function safeFileName(name: string | undefined, type: AllowedType): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in hostile input is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 100);
  const ext = type === 'image/jpeg' ? '.jpg' : type === 'image/png' ? '.png' : '.pdf';
  return cleaned === '' ? `file${ext}` : cleaned;
}
