/**
 * Upload checks (ADR 0046): a small allow-list by magic bytes, and metadata stripping.
 *
 * - JPEG: rebuilt from its segments; every APPn (EXIF/GPS, XMP, IPTC, ICC…) and COM segment
 *   is dropped, and nothing after the end-of-image marker is kept (that is where ZIP/HTML
 *   polyglots hide).
 * - PNG: rebuilt from its chunks, keeping only the chunks needed to draw the image; every
 *   CRC is checked; nothing after IEND is kept. Compressed data is never inflated, so a
 *   decompression bomb costs us nothing.
 * - PDF: must start with "%PDF-" and end with "%%EOF"; refused if it names active content
 *   (JavaScript, launch actions, embedded files, XFA forms) or carries data after its
 *   last "%%EOF". PDFs are not rewritten: staff download them as attachments.
 *
 * Everything else (ZIP, HTML, SVG, executables, …) is refused.
 */
export type AllowedType = 'image/jpeg' | 'image/png' | 'application/pdf';

export class FileRejected extends Error {
  override name = 'FileRejected';
  constructor(readonly reason: 'type' | 'damaged') {
    super(reason);
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

const PDF_ACTIVE = /\/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|AA)\b/;

export function checkPdf(input: Buffer): Buffer {
  const text = input.toString('latin1');
  const eof = text.lastIndexOf('%%EOF');
  if (eof < 0 || text.slice(eof + 5).trim() !== '') throw new FileRejected('damaged');
  if (PDF_ACTIVE.test(text)) throw new FileRejected('damaged');
  return input;
}

/** Checks a whole upload; returns its type and the copy staff see (metadata stripped). */
export function inspectUpload(input: Buffer): { type: AllowedType; cleaned: Buffer } {
  const type = sniffType(input.subarray(0, 16));
  if (type === undefined) throw new FileRejected('type');
  switch (type) {
    case 'image/jpeg':
      return { type, cleaned: stripJpeg(input) };
    case 'image/png':
      return { type, cleaned: stripPng(input) };
    case 'application/pdf':
      return { type, cleaned: checkPdf(input) };
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
