/** Test fixtures (not imported by production code): small valid files carrying metadata to strip. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, deflateSync } from 'node:zlib';
import { type PDFDocument as LibDocument, PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import PDFKit from 'pdfkit';
import { crc32 } from '../../src/modules/intake/file-checks.ts';

/** Small but valid files built byte by byte, with metadata to strip. */
function seg(marker: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
}
export function jpegWithExif(trailer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    seg(0xe1, Buffer.from('Exif\0\0GPS 55.7558N 37.6173E secret-location', 'latin1')),
    seg(0xfe, Buffer.from('comment: taken at unit 12345', 'latin1')),
    seg(0xdb, Buffer.alloc(65, 1)),
    seg(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    seg(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56]),
    Buffer.from([0xff, 0xd9]),
    trailer,
  ]);
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function pngWithText(trailer = Buffer.alloc(0)): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from('Comment\0GPS 55.75N secret-location', 'latin1')),
    chunk('eXIf', Buffer.from('MM\0*secret-location', 'latin1')),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
    trailer,
  ]);
}

/** One object of a hand-written PDF: its body, or a stream (`dict` without << >>; /Length is added). */
export type RawObject = string | { num?: number; body?: string; dict?: string; data?: Buffer };

export interface RawPdfOptions {
  /** More trailer entries. */
  trailer?: string;
  /** A cross-reference stream instead of a table (needed for objects inside object streams). */
  xrefStream?: boolean;
  /** Objects found by the cross-reference section at the first occurrence of a text (a hidden object). */
  located?: Record<number, string>;
  /** Objects inside an object stream: number -> [object stream's number, index]. */
  compressed?: Record<number, [number, number]>;
}

/**
 * A PDF written object by object, with a correct cross-reference section, as viewers read it.
 * Objects are numbered from 1 in order unless they give `num` (a second definition of a number).
 */
export function rawPdf(objects: RawObject[], options: RawPdfOptions = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets = new Map<number, number>();
  objects.forEach((o, i) => {
    const num = typeof o === 'string' ? i + 1 : (o.num ?? i + 1);
    offsets.set(num, length);
    const part =
      typeof o === 'string' || o.data === undefined
        ? Buffer.from(`${num} 0 obj\n${typeof o === 'string' ? o : o.body}\nendobj\n`, 'latin1')
        : Buffer.concat([
            Buffer.from(`${num} 0 obj\n<< ${o.dict ?? ''} /Length ${o.data.length} >>\nstream\n`, 'latin1'),
            o.data,
            Buffer.from('\nendstream\nendobj\n', 'latin1'),
          ]);
    parts.push(part);
    length += part.length;
  });
  const body = Buffer.concat(parts);
  for (const [num, text] of Object.entries(options.located ?? {})) {
    offsets.set(Number(num), body.indexOf(text, 0, 'latin1'));
  }
  const compressed = options.compressed ?? {};
  const size = Math.max(0, ...offsets.keys(), ...Object.keys(compressed).map(Number)) + 2;
  const trailer = `/Size ${size} /Root 1 0 R ${options.trailer ?? ''}`;
  if (options.xrefStream === true) {
    const rows = Buffer.alloc(size * 7);
    for (let n = 0; n < size - 1; n += 1) {
      const at = compressed[n];
      const row = at !== undefined ? [2, at[0], at[1]] : offsets.has(n) ? [1, offsets.get(n)!, 0] : [0, 0, 0];
      rows.writeUInt8(row[0]!, n * 7);
      rows.writeUInt32BE(row[1]!, n * 7 + 1);
      rows.writeUInt16BE(row[2]!, n * 7 + 5);
    }
    rows.writeUInt8(1, (size - 1) * 7);
    rows.writeUInt32BE(body.length, (size - 1) * 7 + 1);
    const data = deflateSync(rows);
    const xref = Buffer.concat([
      Buffer.from(
        `${size - 1} 0 obj\n<< /Type /XRef /W [1 4 2] ${trailer} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
        'latin1',
      ),
      data,
      Buffer.from(`\nendstream\nendobj\nstartxref\n${body.length}\n%%EOF\n`, 'latin1'),
    ]);
    return Buffer.concat([body, xref]);
  }
  let table = `xref\n0 ${size - 1}\n0000000000 65535 f \n`;
  for (let n = 1; n < size - 1; n += 1) {
    const at = offsets.get(n);
    table += at === undefined ? '0000000000 65535 f \n' : `${String(at).padStart(10, '0')} 00000 n \n`;
  }
  table += `trailer\n<< ${trailer} >>\nstartxref\n${body.length}\n%%EOF\n`;
  return Buffer.concat([body, Buffer.from(table, 'latin1')]);
}

/**
 * A one-page PDF: 1 catalog, 2 pages, 3 the page, 4 its content; `more` objects are numbered
 * from 5.
 */
export function onePagePdf(
  parts: { catalog?: string; page?: string; more?: RawObject[] } = {},
  options: RawPdfOptions = {},
): Buffer {
  const content = Buffer.from('BT /F1 12 Tf 72 720 Td (Summons) Tj ET', 'latin1');
  return rawPdf(
    [
      `<< /Type /Catalog /Pages 2 0 R ${parts.catalog ?? ''} >>`,
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R ' +
        `/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> ${parts.page ?? ''} >>`,
      { data: content },
      ...(parts.more ?? []),
    ],
    options,
  );
}

/** A valid one-page PDF with nothing active in it. */
export const PDF_OK = onePagePdf();

/** An object stream holding `objects` (numbered from `first`), compressed with Flate. */
export function objectStream(objects: string[], first: number, filter = '/Filter /FlateDecode'): RawObject {
  let header = '';
  let body = '';
  objects.forEach((o, i) => {
    header += `${first + i} ${body.length} `;
    body += `${o}\n`;
  });
  const plain = Buffer.from(header + body, 'latin1');
  return {
    dict: `/Type /ObjStm /N ${objects.length} /First ${header.length} ${filter}`,
    data: filter === '' ? plain : deflateSync(plain),
  };
}

/**
 * A PDF whose object stream inflates to `mib` MiB of zeros (about 1 KB of Flate data per MiB).
 * Written from a stream of chunks: building it never holds the inflated size in memory.
 */
export async function pdfWithBomb(mib: number): Promise<Buffer> {
  const zeros = Buffer.alloc(1024 * 1024);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(
      (function* () {
        yield Buffer.from('6 0 ', 'latin1');
        for (let i = 0; i < mib; i += 1) yield zeros;
      })(),
    ),
    createDeflate({ level: 9 }),
    async (deflated: AsyncIterable<Buffer>) => {
      for await (const chunk of deflated) out.push(chunk);
    },
  );
  return onePagePdf(
    { more: [{ dict: '/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', data: Buffer.concat(out) }] },
    { xrefStream: true, compressed: { 6: [5, 0] } },
  );
}

/** A PDF made by pdf-lib: `pages` pages of text, changed by `edit` before saving. */
export async function pdfLibDocument(
  edit: (doc: LibDocument) => void | Promise<void> = () => {},
  options: { pages?: number; useObjectStreams?: boolean } = {},
): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (options.pages ?? 3); i += 1) {
    doc.addPage([595, 842]).drawText(`Page ${i + 1}: summons to the military registration office`, {
      x: 50,
      y: 780,
      size: 12,
      font,
    });
  }
  await edit(doc);
  return Buffer.from(await doc.save({ useObjectStreams: options.useObjectStreams ?? true }));
}

/** Sets the document's /OpenAction (an action dictionary, made indirect, or a destination array). */
export function setOpenAction(doc: LibDocument, action: Record<string, unknown> | 'destination'): void {
  const value =
    action === 'destination'
      ? doc.context.obj([doc.getPage(0).ref, PDFName.of('Fit')])
      : doc.context.register(doc.context.obj(action as never));
  doc.catalog.set(PDFName.of('OpenAction'), value);
}

/** Adds a link annotation with the action `action` to the first page. */
export function addLink(doc: LibDocument, action: Record<string, unknown>): void {
  const page = doc.getPage(0);
  const annot = doc.context.register(
    doc.context.obj({
      Type: 'Annot',
      Subtype: 'Link',
      Rect: [50, 700, 300, 720],
      Border: [0, 0, 0],
      A: action as never,
    }),
  );
  page.node.set(PDFName.of('Annots'), doc.context.obj([annot]));
}

/** A literal PDF string, for actions built with pdf-lib. */
export const pdfText = (text: string) => PDFString.of(text);

/** A two-page PDF made by pdfkit (the library the case summaries use), with a web link. */
export async function pdfkitDocumentWithLink(): Promise<Buffer> {
  const doc = new PDFKit({ compress: true });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.text('Summons, page one.');
  doc.text('Our website', { link: 'https://example.org/help', underline: true });
  doc.addPage().text('Page two.');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
