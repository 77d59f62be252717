import { z } from 'zod';
import { loadSharp, type Sharp } from '../../platform/sharp.ts';

type SharpImage = ReturnType<Sharp>;
type Overlay = Parameters<SharpImage['composite']>[0] extends (infer O)[] | undefined ? O : never;

/**
 * Image redaction (issue 16 item 5, ADR 0178): regions of a photo blurred or blacked out in a
 * redacted working copy made with sharp (libvips; no hand-written codec). The copy is decoded
 * from the untouched original, turned upright by its EXIF orientation (the coordinates staff
 * type are those of the upright picture they see), and re-encoded without any metadata: no
 * EXIF, GPS, XMP or ICC profile reaches it. The original is never changed.
 *
 * "Blur" first pixelates the region to blocks of at least 16 pixels and then blurs them: a
 * plain Gaussian blur of a face can be partly undone, a pixelated one keeps nothing finer
 * than its blocks. "Remove" paints the region black.
 */
// sharp comes from loadSharp(): decoded pixels of a witness's photo are not kept in its
// process-wide cache.

/** Bigger pictures than this are refused (decompression bombs). */
const MAX_PIXELS = 40_000_000;
export const MAX_REGIONS = 50;
export const IMAGE_TYPES = ['image/jpeg', 'image/png'] as const;

export const regionSchema = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  mode: z.enum(['blur', 'remove']),
});
export type Region = z.infer<typeof regionSchema>;

/**
 * Reads the regions typed into a form: one a line, "x y width height" (spaces or commas),
 * all with the same mode. Returns undefined when a line is not four whole numbers.
 */
export function parseRegions(text: string, mode: Region['mode']): Region[] | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0 || lines.length > MAX_REGIONS) return undefined;
  const out: Region[] = [];
  for (const line of lines) {
    const parts = line.split(/[\s,;]+/);
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,6}$/.test(p))) return undefined;
    const [x, y, width, height] = parts.map(Number) as [number, number, number, number];
    const parsed = regionSchema.safeParse({ x, y, width, height, mode });
    if (!parsed.success) return undefined;
    out.push(parsed.data);
  }
  return out;
}

/** The upright size of an image (after its EXIF orientation), or undefined if sharp cannot read it. */
export async function imageSize(original: Buffer): Promise<{ width: number; height: number } | undefined> {
  const sharp = await loadSharp();
  try {
    const info = await sharp(original, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).metadata();
    if (info.width === undefined || info.height === undefined) return undefined;
    const turned = (info.orientation ?? 1) >= 5;
    return turned ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
  } catch {
    return undefined;
  }
}

export class RegionOutside extends Error {}

/** The upright picture as raw pixels (RGB or RGBA). */
async function upright(original: Buffer) {
  const sharp = await loadSharp();
  return sharp(original, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
    .rotate()
    .raw()
    .toBuffer({ resolveWithObject: true });
}

function encode(image: SharpImage, mediaType: string): Promise<Buffer> {
  // sharp writes no metadata unless asked (no withMetadata/keepExif): the copy leaves stripped.
  return mediaType === 'image/png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

/**
 * The upright picture without metadata, unchanged otherwise: what staff see to choose regions.
 */
export async function uprightCopy(original: Buffer, mediaType: string): Promise<Buffer> {
  const { data, info } = await upright(original);
  const sharp = await loadSharp();
  return encode(sharp(data, { raw: info }), mediaType);
}

/**
 * The redacted working copy: each region blurred (pixelated, then blurred) or painted black,
 * then re-encoded in the original's format with no metadata. A region reaching outside the
 * picture is refused (RegionOutside), so nobody confirms a redaction that missed its target.
 */
export async function redactImage(
  original: Buffer,
  mediaType: string,
  regions: readonly Region[],
): Promise<Buffer> {
  const { data, info } = await upright(original);
  const sharp = await loadSharp();
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const layers: Overlay[] = [];
  for (const r of regions) {
    if (r.x + r.width > info.width || r.y + r.height > info.height) {
      throw new RegionOutside(
        `region ${r.x},${r.y},${r.width},${r.height} is outside ${info.width}×${info.height}`,
      );
    }
    let patch: Buffer;
    if (r.mode === 'remove') {
      patch = Buffer.alloc(r.width * r.height * info.channels, 0);
      if (info.channels === 4) for (let i = 3; i < patch.length; i += 4) patch[i] = 255;
    } else {
      const block = Math.max(16, Math.ceil(Math.max(r.width, r.height) / 8));
      const small = await sharp(data, { raw })
        .extract({ left: r.x, top: r.y, width: r.width, height: r.height })
        .resize(Math.max(1, Math.ceil(r.width / block)), Math.max(1, Math.ceil(r.height / block)), {
          kernel: 'cubic',
        })
        .raw()
        .toBuffer({ resolveWithObject: true });
      patch = await sharp(small.data, { raw: small.info })
        .resize(r.width, r.height, { kernel: 'nearest' })
        .blur(Math.max(2, block / 2))
        .raw()
        .toBuffer();
    }
    layers.push({
      input: patch,
      raw: { width: r.width, height: r.height, channels: info.channels },
      left: r.x,
      top: r.y,
    });
  }
  return encode(sharp(data, { raw }).composite(layers), mediaType);
}
