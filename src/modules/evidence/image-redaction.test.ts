import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkerboardJpeg } from '../../../test/support/evidence.ts';
import { parseRegions, RegionOutside, redactImage, uprightCopy } from './image-redaction.ts';
import { displaySize, FIT_WIDTH, regionBetween, toPicture } from './regions-picker.ts';

async function pixels(image: Buffer) {
  return sharp(image).raw().toBuffer({ resolveWithObject: true });
}

/** The spread of the grey values in a rectangle (a checkerboard: large; blurred: small; black: 0). */
function spread(
  raw: { data: Buffer; info: { width: number; channels: number } },
  x0: number,
  y0: number,
  w: number,
  h: number,
) {
  const values: number[] = [];
  for (let y = y0; y < y0 + h; y += 1)
    for (let x = x0; x < x0 + w; x += 1) values.push(raw.data[(y * raw.info.width + x) * raw.info.channels]!);
  return { min: Math.min(...values), max: Math.max(...values) };
}

describe('image redaction with sharp', () => {
  it('blacks out one region and blurs another in a copy without metadata, leaving the rest', async () => {
    const original = await checkerboardJpeg();
    expect((await exifr.parse(original)).Make).toBe('CanaryCam');
    const copy = await redactImage(original, 'image/jpeg', [
      { x: 0, y: 0, width: 16, height: 16, mode: 'remove' },
      { x: 32, y: 16, width: 24, height: 24, mode: 'blur' },
    ]);
    expect(await exifr.parse(copy).catch(() => undefined)).toBeUndefined();
    expect((await sharp(copy).metadata()).exif).toBeUndefined();
    const raw = await pixels(copy);
    expect(spread(raw, 2, 2, 12, 12).max).toBeLessThan(20);
    const blurred = spread(raw, 36, 20, 16, 16);
    expect(blurred.max - blurred.min).toBeLessThan(60);
    const untouched = spread(raw, 20, 30, 8, 8);
    expect(untouched.max - untouched.min).toBeGreaterThan(150);
  });

  it('refuses a region reaching outside the picture', async () => {
    await expect(
      redactImage(await checkerboardJpeg(), 'image/jpeg', [
        { x: 60, y: 0, width: 10, height: 10, mode: 'blur' },
      ]),
    ).rejects.toBeInstanceOf(RegionOutside);
  });

  it('gives staff an upright copy without metadata to choose regions on', async () => {
    const copy = await uprightCopy(await checkerboardJpeg(), 'image/jpeg');
    expect(await exifr.parse(copy).catch(() => undefined)).toBeUndefined();
    expect(await sharp(copy).metadata()).toMatchObject({ width: 64, height: 48 });
  });

  it.each([
    ['', 'no line'],
    ['1 2 3', 'three numbers'],
    ['1 2 3 4 5', 'five numbers'],
    ['-1 0 4 4', 'a negative number'],
    ['0 0 0 4', 'an empty width'],
    ['1.5 0 4 4', 'a fraction'],
    ['0x10 0 4 4', 'hex'],
    ['0 0 4 4\n'.repeat(51), 'more than 50 regions'],
    ['9999999 0 4 4', 'a number too long'],
  ])('refuses regions typed as %j (%s)', (text) => {
    expect(parseRegions(text, 'blur')).toBeUndefined();
  });

  it('reads regions typed with spaces, commas or semicolons, blank lines ignored', () => {
    expect(parseRegions('1 2 3 4\r\n\n5,6,7,8\n9; 10; 11; 12', 'remove')).toEqual([
      { x: 1, y: 2, width: 3, height: 4, mode: 'remove' },
      { x: 5, y: 6, width: 7, height: 8, mode: 'remove' },
      { x: 9, y: 10, width: 11, height: 12, mode: 'remove' },
    ]);
  });
});

describe('clicked regions on a picture drawn smaller than it is (ADR 0200)', () => {
  it('draws a wide photo at the fitted width and converts clicks to the photo’s pixels, covering the clicked block', () => {
    const photo = { width: 1600, height: 1200 };
    const shown = displaySize(photo, undefined);
    expect(shown).toEqual({ width: FIT_WIDTH, height: 540 });
    const a = toPicture({ x: 100, y: 50 }, shown, photo);
    expect(a).toEqual({ x: 222, y: 111 });
    const b = toPicture({ x: 719, y: 539 }, shown, photo);
    expect(b).toEqual({ x: 1597, y: 1197 });
    // The far corner reaches the end of its 3 × 3 block, clamped to the photo.
    expect(regionBetween(b, a, shown, photo)).toBe('222 111 1378 1089');
    // At natural size nothing changes: one screen pixel is one picture pixel.
    const natural = displaySize(photo, '1600');
    expect(toPicture({ x: 5, y: 7 }, natural, photo)).toEqual({ x: 5, y: 7 });
    expect(regionBetween({ x: 2, y: 3 }, { x: 20, y: 30 }, natural, photo)).toBe('2 3 19 28');
  });
});
