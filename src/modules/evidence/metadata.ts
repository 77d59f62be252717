/**
 * The metadata that came with a file (ADR 0134): for evidence it matters (where and when a
 * photo was taken, which device, who wrote a PDF), so it is read from the untouched original
 * and kept, encrypted under the case key, with the item. Read with exifr (images) and
 * pdf-lib (a PDF's information dictionary), after the upload checks accepted the file. A
 * file whose metadata cannot be read is still evidence: the reason is recorded instead.
 */
export type Metadata = Record<string, unknown>;

const MAX_JSON = 64 * 1024;

/** JSON-safe copy: dates as ISO strings, bytes as base64, depth and size bounded. */
function plain(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).subarray(0, 4096).toString('base64') };
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return value.slice(0, 4096);
  if (typeof value === 'boolean') return value;
  if (depth > 4) return null;
  if (Array.isArray(value)) return value.slice(0, 256).map((v) => plain(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 512))
      out[k] = plain(v, depth + 1);
    return out;
  }
  return String(value);
}

async function pdfInfo(data: Buffer): Promise<Metadata> {
  // Loaded on first use (pdf-lib costs about 0.2 s of start-up in every process).
  const { PDFDocument } = await import('pdf-lib');
  const doc = await PDFDocument.load(data, { updateMetadata: false, ignoreEncryption: false });
  return {
    title: doc.getTitle() ?? null,
    author: doc.getAuthor() ?? null,
    subject: doc.getSubject() ?? null,
    keywords: doc.getKeywords() ?? null,
    creator: doc.getCreator() ?? null,
    producer: doc.getProducer() ?? null,
    creationDate: doc.getCreationDate()?.toISOString() ?? null,
    modificationDate: doc.getModificationDate()?.toISOString() ?? null,
    pages: doc.getPageCount(),
  };
}

/** The metadata of an accepted upload, as a bounded JSON object. */
export async function readMetadata(data: Buffer, mediaType: string): Promise<Metadata> {
  let found: Metadata;
  try {
    if (mediaType === 'application/pdf') found = { pdf: await pdfInfo(data) };
    else if (mediaType === 'image/jpeg' || mediaType === 'image/png') {
      const { default: exifr } = await import('exifr');
      const exif: unknown = await exifr.parse(data, {
        tiff: true,
        exif: true,
        gps: true,
        xmp: true,
        iptc: true,
        icc: false,
        mergeOutput: false,
        translateValues: false,
      });
      found = { exif: plain(exif ?? {}) };
    } else found = {};
  } catch (error) {
    found = { unreadable: error instanceof Error ? error.name : 'error' };
  }
  const json = JSON.stringify(found);
  return json.length > MAX_JSON ? { truncated: true, bytes: json.length } : found;
}
