import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { StaffActor } from '../../src/access/index.ts';
import type { AppContext } from '../../src/context.ts';
import type { StaffRoleName } from '../../src/db/types.ts';
import { createStaff } from '../../src/modules/auth/index.ts';
import { staffActor } from './factories.ts';
import { BIN } from './process.ts';

/** Evidence test fixtures: staff rows without enrolment (no password hash), and a JPEG with real EXIF. */
let counter = 0;

/** A staff member who exists (for teams and labels) but never signs in: cheap, no Argon2id. */
export async function buildStaffActor(ctx: AppContext, role: StaffRoleName): Promise<StaffActor> {
  counter += 1;
  const created = await createStaff(
    ctx,
    { kind: 'cli', id: 'cli' },
    { email: `ev${counter}.${role}@example.org`, role },
  );
  return staffActor({ id: created.staffId, role });
}

function segment(marker: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
}

/** A small JPEG whose APP1 is a real EXIF block (TIFF, little-endian) naming the camera `make`. */
export function jpegWithRealExif(make = 'CanaryCam'): Buffer {
  const text = Buffer.from(`${make}\0`, 'latin1');
  const tiff = Buffer.alloc(26);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x010f, 10); // Make
  tiff.writeUInt16LE(2, 12); // ASCII
  tiff.writeUInt32LE(text.length, 14);
  tiff.writeUInt32LE(26, 18); // value offset
  tiff.writeUInt32LE(0, 22); // no next IFD
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, text])),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A 64×48 photo: a fine black-and-white checkerboard with EXIF naming the camera and a GPS place. */
export async function checkerboardJpeg(): Promise<Buffer> {
  const width = 64;
  const height = 48;
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1)
      px.fill((x + y) % 2 === 0 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .withExif({ IFD0: { Make: 'CanaryCam', Model: 'Witness phone' } })
    .toBuffer();
}

/**
 * What a recipient does with a bundle (docs/evidence.md): in `dir`, which holds only `bundle`
 * and `org.pem`, runs `sanctuary evidence verify bundle --public-key org.pem` with a bare
 * environment (no data directory, no configuration), and expects "Bundle intact" for `items`
 * items, exit code 0, and nothing written beside the two.
 */
export async function expectRecipientVerifies(dir: string, items: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'evidence', 'verify', 'bundle', '--public-key', 'org.pem'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  expect(out).toMatch(new RegExp(`^Bundle intact: ${items} item\\(s\\) for `));
  expect(code).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['bundle', 'org.pem']);
}
