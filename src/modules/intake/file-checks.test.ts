import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileRejected, inspectUpload, safeFileName, sniffType, stripJpeg, stripPng } from './file-checks.ts';
import { jpegWithExif, PDF_OK, pngWithText } from './file-fixtures.ts';

describe('upload checks', () => {
  it('recognises only JPEG, PNG and PDF by their magic bytes', () => {
    expect(sniffType(jpegWithExif())).toBe('image/jpeg');
    expect(inspectUpload(jpegWithExif()).type).toBe('image/jpeg');
    expect(inspectUpload(pngWithText()).type).toBe('image/png');
    expect(sniffType(pngWithText())).toBe('image/png');
    expect(sniffType(PDF_OK)).toBe('application/pdf');
    for (const other of [
      'PK\x03\x04zip',
      '<html><script>',
      'GIF89a',
      'MZ\x90\0',
      '<svg xmlns=',
      '\x1f\x8b\x08',
    ]) {
      expect(() => inspectUpload(Buffer.from(other, 'latin1'))).toThrow(FileRejected);
    }
  });

  it('strips EXIF/GPS, comments and anything after the end of a JPEG (polyglot tails)', () => {
    const out = stripJpeg(jpegWithExif(Buffer.from('PK\x03\x04<html>payload', 'latin1')));
    expect(out.includes(Buffer.from('secret-location'))).toBe(false);
    expect(out.includes(Buffer.from('unit 12345'))).toBe(false);
    expect(out.includes(Buffer.from('PK\x03\x04', 'latin1'))).toBe(false);
    expect(out.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(sniffType(out)).toBe('image/jpeg');
  });

  it('strips text and EXIF chunks from a PNG and drops data after IEND; checks CRCs', () => {
    const out = stripPng(pngWithText(Buffer.from('<script>alert(1)</script>')));
    expect(out.includes(Buffer.from('secret-location'))).toBe(false);
    expect(out.includes(Buffer.from('<script>'))).toBe(false);
    const broken = pngWithText();
    broken[20] = (broken[20] ?? 0) ^ 0xff;
    expect(() => stripPng(broken)).toThrow(FileRejected);
  });

  it('refuses PDFs with active content or data after %%EOF', () => {
    expect(inspectUpload(PDF_OK).type).toBe('application/pdf');
    expect(() =>
      inspectUpload(
        Buffer.from('%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF', 'latin1'),
      ),
    ).toThrow(FileRejected);
    expect(() =>
      inspectUpload(Buffer.concat([PDF_OK, Buffer.from('PK\x03\x04zipzipzip', 'latin1')])),
    ).toThrow(FileRejected);
  });

  it('never throws anything but FileRejected on arbitrary bytes behind a valid signature (fuzz)', () => {
    const prefixes = [
      Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('%PDF-'),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2000 }), (prefix, rest) => {
        try {
          const input = Buffer.concat([prefix, Buffer.from(rest)]);
          // The parsers themselves, not only the wrapper, must fail closed.
          const { cleaned } =
            prefix[0] === 0xff
              ? { cleaned: stripJpeg(input) }
              : prefix[0] === 0x89
                ? { cleaned: stripPng(input) }
                : inspectUpload(input);
          expect(cleaned.length).toBeLessThanOrEqual(prefix.length + rest.length);
        } catch (error) {
          expect(error).toBeInstanceOf(FileRejected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of a valid JPEG or PNG either strip cleanly or are refused (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(jpegWithExif(), pngWithText()),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (file, at, value) => {
          const copy = Buffer.from(file);
          copy[at % copy.length] = value;
          try {
            inspectUpload(copy);
          } catch (error) {
            expect(error).toBeInstanceOf(FileRejected);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('makes safe display names from hostile file names', () => {
    expect(safeFileName('../../etc/passwd', 'application/pdf')).toBe('passwd');
    expect(safeFileName('..\\..\\boot.ini', 'image/png')).toBe('boot.ini');
    expect(safeFileName('\u202Egpj.exe', 'image/jpeg')).toBe('gpj.exe');
    expect(safeFileName('a\u0000b\nc.jpg', 'image/jpeg')).toBe('abc.jpg');
    expect(safeFileName('', 'image/png')).toBe('file.png');
    expect(safeFileName('x'.repeat(500), 'image/png').length).toBe(100);
  });
});
