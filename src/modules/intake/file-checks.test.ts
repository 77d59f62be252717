import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { PDFDocument, PDFName } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  addLink,
  jpegWithExif,
  objectStream,
  onePagePdf,
  PDF_OK,
  pdfkitDocumentWithLink,
  pdfLibDocument,
  pdfText,
  pdfWithBomb,
  pngWithText,
  rawPdf,
  setOpenAction,
} from '../../../test/support/file-fixtures.ts';
import { BusyError } from '../../platform/slots.ts';
import {
  checkPdf,
  FileRejected,
  inspectUpload,
  PDF_LIMITS,
  PDF_MAX_WAITING,
  type PdfCheckProcess,
  type PdfCheckStarter,
  pdfCheckCommand,
  safeFileName,
  sniffType,
  stripJpeg,
  stripPng,
} from './file-checks.ts';

/** The text scan these checks replaced (ADR 0046 before 2026-11-29). */
const OLD_TEXT_SCAN = /\/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|AA)\b/;
/** Either of the two findings in a JavaScript action, whichever key the walk meets first. */
const JS_ACTION = /^(active content: \/JS|an action of type \/JavaScript)$/;

/** Boolean checks on files (a failing toBe on two large buffers takes minutes to diff). */
const isPdf = (file: Buffer) => sniffType(file.subarray(0, 5)) === 'application/pdf';
const pageCount = async (file: Buffer) =>
  (await PDFDocument.load(file, { ignoreEncryption: true, updateMetadata: false })).getPageCount();

async function refusalOf(file: Buffer): Promise<FileRejected> {
  try {
    await inspectUpload(file);
  } catch (error) {
    expect(error).toBeInstanceOf(FileRejected);
    return error as FileRejected;
  }
  throw new Error('the file was accepted');
}

/** One byte of a valid file changed anywhere: the check accepts it or refuses it, nothing else. */
async function mutationsAreCheckedOrRefused(files: Buffer[], numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...files),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      async (file, at, value) => {
        const copy = Buffer.from(file);
        copy[at % copy.length] = value;
        try {
          await inspectUpload(copy);
        } catch (error) {
          expect(error).toBeInstanceOf(FileRejected);
        }
      },
    ),
    { numRuns },
  );
}

describe('upload checks', () => {
  it('recognises only JPEG, PNG and PDF by their magic bytes', async () => {
    expect(sniffType(jpegWithExif())).toBe('image/jpeg');
    expect((await inspectUpload(jpegWithExif())).type).toBe('image/jpeg');
    expect((await inspectUpload(pngWithText())).type).toBe('image/png');
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
      await expect(inspectUpload(Buffer.from(other, 'latin1'))).rejects.toThrow(FileRejected);
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

  it('never throws anything but FileRejected on arbitrary bytes behind a JPEG or PNG signature (fuzz)', () => {
    const prefixes = [
      Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2000 }), (prefix, rest) => {
        try {
          const input = Buffer.concat([prefix, Buffer.from(rest)]);
          // The parsers themselves, not only the wrapper, must fail closed.
          const cleaned = prefix[0] === 0xff ? stripJpeg(input) : stripPng(input);
          expect(cleaned.length).toBeLessThanOrEqual(prefix.length + rest.length);
        } catch (error) {
          expect(error).toBeInstanceOf(FileRejected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of a valid JPEG or PNG either strip cleanly or are refused (fuzz)', async () => {
    await mutationsAreCheckedOrRefused([jpegWithExif(), pngWithText()], 3000);
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

describe('PDF structural check (pdf-lib in a child process)', () => {
  it('accepts ordinary PDFs: pdf-lib with and without object streams, pdfkit, hand-written, web links', async () => {
    const files = [
      PDF_OK,
      await pdfLibDocument(),
      await pdfLibDocument(undefined, { useObjectStreams: false, pages: 5 }),
      await pdfkitDocumentWithLink(),
      // A link needs a click, and viewers ask first: many real documents have them.
      await pdfLibDocument((doc) => addLink(doc, { S: 'URI', URI: pdfText('https://example.org/') })),
      // Opening at a page is not an action.
      await pdfLibDocument((doc) => setOpenAction(doc, 'destination')),
      await pdfLibDocument((doc) =>
        setOpenAction(doc, { S: 'GoTo', D: doc.context.obj([doc.getPage(1).ref, PDFName.of('Fit')]) }),
      ),
    ];
    for (const file of files) {
      const { type, cleaned } = await inspectUpload(file);
      expect(type).toBe('application/pdf');
      // The working copy is rewritten (without metadata): the same pages.
      expect(await pageCount(cleaned)).toBe(await pageCount(file));
    }
  });

  it('strips Author, Creator, dates, identifiers and XMP from the working copy of a PDF (finding 16)', async () => {
    const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Ivan Petrov</dc:creator></x:xmpmeta>';
    const original = await pdfLibDocument(
      (doc) => {
        doc.setAuthor('Ivan Petrov');
        doc.setCreator('Unit 12345 scanner');
        doc.setTitle('Summons for Ivan Petrov');
        const xmp = doc.context.stream(XMP, { Type: 'Metadata', Subtype: 'XML' });
        doc.catalog.set(PDFName.of('Metadata'), doc.context.register(xmp));
        doc
          .getPage(0)
          .node.set(PDFName.of('PieceInfo'), doc.context.obj({ App: { Private: 'Ivan Petrov' } }));
      },
      { useObjectStreams: false },
    );
    expect(original.includes('Ivan Petrov')).toBe(true);
    const { cleaned } = await inspectUpload(original);
    for (const trace of [
      'Ivan Petrov',
      'Unit 12345',
      '/Author',
      '/Creator',
      '/Producer',
      '/CreationDate',
      'xmpmeta',
      '/ID',
    ]) {
      expect(cleaned.includes(trace), trace).toBe(false);
    }
    expect(await pageCount(cleaned)).toBe(3);
    // The working copy passes the same check.
    expect(isPdf((await inspectUpload(cleaned)).cleaned)).toBe(true);
  });

  it('refuses a JavaScript OpenAction, also inside a compressed object stream the old text scan missed', async () => {
    const action = { Type: 'Action', S: 'JavaScript', JS: pdfText('app.alert(1)') };
    const plain = await pdfLibDocument((doc) => setOpenAction(doc, action), { useObjectStreams: false });
    expect(plain.toString('latin1')).toMatch(OLD_TEXT_SCAN);
    expect((await refusalOf(plain)).detail).toMatch(JS_ACTION);

    const hidden = await pdfLibDocument((doc) => setOpenAction(doc, action), { useObjectStreams: true });
    expect(hidden.includes('JavaScript')).toBe(false);
    expect(hidden.toString('latin1')).not.toMatch(OLD_TEXT_SCAN);
    expect(hidden.includes('/ObjStm')).toBe(true);
    const refused = await refusalOf(hidden);
    expect(refused.reason).toBe('damaged');
    expect(refused.detail).toMatch(JS_ACTION);
  });

  it('compares names after decoding #xx escapes, in either case', async () => {
    const cases: Array<[string, string]> = [
      ['/S /J#61vaScript', 'an action of type /JavaScript'],
      ['/#4a#53 (app.alert(1))', 'active content: /JS'],
      ['/S /#4caunch /F (cmd.exe)', 'an action of type /Launch'],
      ['/S /Submit#46orm /F (https://x.example/)', 'an action of type /SubmitForm'],
    ];
    for (const [entries, detail] of cases) {
      const file = onePagePdf({ catalog: '/Names 5 0 R', more: [`<< /Type /Action ${entries} >>`] });
      expect(file.toString('latin1')).not.toMatch(OLD_TEXT_SCAN);
      expect((await refusalOf(file)).detail).toBe(detail);
    }
  });

  it('refuses automatic actions, launch and submit actions, embedded files and other active content', async () => {
    const uri = { S: 'URI', URI: pdfText('https://tracker.example/ping') };
    const cases: Array<[string, Buffer, string | RegExp]> = [
      [
        'a page that pings a server when opened (/AA)',
        await pdfLibDocument((doc) => doc.getPage(0).node.set(PDFName.of('AA'), doc.context.obj({ O: uri }))),
        'active content: /AA',
      ],
      [
        'a launch link',
        await pdfLibDocument((doc) => addLink(doc, { S: 'Launch', F: pdfText('cmd.exe') })),
        'an action of type /Launch',
      ],
      [
        'an embedded file',
        await pdfLibDocument((doc) => doc.attach(Buffer.from('MZ payload'), 'invoice.exe')),
        /^(active content: \/(EmbeddedFiles|EF)|an embedded file)$/,
      ],
      [
        'a link to another PDF file (GoToR)',
        await pdfLibDocument((doc) =>
          addLink(doc, { S: 'GoToR', F: pdfText('\\\\smb.example\\x.pdf'), D: [0] }),
        ),
        'an action of type /GoToR',
      ],
      [
        'a web address opened with the document',
        await pdfLibDocument((doc) => setOpenAction(doc, uri)),
        'an automatic action other than GoTo',
      ],
      [
        'a GoTo OpenAction followed by a web address (/Next)',
        await pdfLibDocument((doc) =>
          setOpenAction(doc, { S: 'GoTo', D: [doc.getPage(0).ref, 'Fit'], Next: uri }),
        ),
        'an automatic action other than GoTo',
      ],
      [
        'an action type behind a reference',
        onePagePdf({
          catalog: '/OpenAction [3 0 R /Fit]',
          more: ['<< /Type /Action /S 6 0 R >>', '/JavaScript'],
        }),
        'an action of type /JavaScript',
      ],
      [
        'a rich-media annotation',
        onePagePdf({
          page: '/Annots [5 0 R]',
          more: ['<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>'],
        }),
        'an object of subtype /RichMedia',
      ],
      [
        'a stream read from a web address',
        onePagePdf({
          page: '/Annots [5 0 R]',
          more: [{ dict: '/F << /FS /URL /F (https://tracker.example/x) >>', data: Buffer.alloc(0) }],
        }),
        'a stream whose data is in another file',
      ],
      [
        'an XFA form',
        onePagePdf({
          catalog: '/AcroForm << /Fields [] /XFA 5 0 R >>',
          more: [{ data: Buffer.from('<xdp/>') }],
        }),
        'active content: /XFA',
      ],
    ];
    for (const [name, file, detail] of cases) {
      const refused = await refusalOf(file);
      expect({ name, reason: refused.reason }).toEqual({ name, reason: 'damaged' });
      expect(refused.detail, name).toMatch(detail);
    }
  });

  it('refuses objects a viewer can reach that pdf-lib would not inspect', async () => {
    const ping = '<< /Type /Action /S /URI /URI (https://tracker.example/open) >>';
    const cases: Array<[string, Buffer, string]> = [
      [
        // The cross-reference table points into the data of a stream, where pdf-lib sees bytes.
        'an object inside the data of a stream',
        onePagePdf(
          {
            catalog: '/OpenAction 9 0 R',
            more: [
              {
                dict: '/Type /XObject /Subtype /Form /BBox [0 0 1 1]',
                data: Buffer.from(`9 0 obj ${ping} endobj`),
              },
            ],
          },
          { located: { 9: '9 0 obj' } },
        ),
        'an object outside the objects pdf-lib parsed',
      ],
      [
        // Viewers read an object stream by its /N and /First, whatever its /Type says.
        'an object stream without /Type /ObjStm',
        onePagePdf(
          {
            catalog: '/OpenAction 6 0 R',
            more: [{ dict: '/N 1 /First 4 /Filter /FlateDecode', data: deflateSync(`6 0 ${ping}`) }],
          },
          { xrefStream: true, compressed: { 6: [5, 0] } },
        ),
        'an object stream pdf-lib did not read',
      ],
      [
        'an object number defined twice (pdf-lib keeps the last, a viewer may use the first)',
        onePagePdf({ catalog: '/OpenAction 5 0 R', more: [ping, { num: 5, body: '[3 0 R /Fit]' }] }),
        'an automatic action other than GoTo',
      ],
      [
        'a dictionary naming /S twice',
        onePagePdf({
          catalog: '/OpenAction 5 0 R',
          more: ['<< /S /URI /URI (https://x.example/) /S /GoTo /D [3 0 R /Fit] >>'],
        }),
        'a dictionary names the same key twice',
      ],
      [
        'an object stream whose /Length is not the data pdf-lib read',
        onePagePdf(
          {
            more: [
              {
                num: 5,
                body: `<< /Type /ObjStm /N 1 /First 4 /Length 6 0 R >>\nstream\n7 0 << >>\nendstream`,
              },
              { num: 6, body: '500' },
            ],
          },
          { xrefStream: true, compressed: { 7: [5, 0] } },
        ),
        'an object stream whose /Length does not match its data',
      ],
      [
        'arrays nested beyond the limit',
        onePagePdf({ catalog: `/X ${'['.repeat(100)}${']'.repeat(100)}` }),
        'objects nested too deeply',
      ],
    ];
    for (const [name, file, detail] of cases) {
      const refused = await refusalOf(file);
      expect({ name, reason: refused.reason, detail: refused.detail }).toEqual({
        name,
        reason: 'damaged',
        detail,
      });
    }
  });

  it('refuses an encrypted PDF with its own reason', async () => {
    const encrypt = '<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>';
    for (const file of [
      onePagePdf({}, { trailer: `/Encrypt ${encrypt}` }),
      onePagePdf({ more: [encrypt] }, { trailer: '/Encr#79pt 5 0 R' }),
      // Object streams of an encrypted file are encrypted: pdf-lib cannot read them at all.
      onePagePdf(
        {
          more: [
            {
              dict: '/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode',
              data: Buffer.from('\x91\x0c\xa7 ciphertext'),
            },
          ],
        },
        { xrefStream: true, compressed: { 6: [5, 0] }, trailer: `/Encrypt ${encrypt}` },
      ),
    ]) {
      const refused = await refusalOf(file);
      expect(refused.reason).toBe('encrypted');
    }
  });

  it('refuses a decompression bomb in an object stream, and object streams with other filters', async () => {
    // 100 MiB of zeros in about 100 KB: refused once zlib has produced the 64 MiB budget.
    const bomb = await pdfWithBomb(100);
    expect(bomb.length).toBeLessThan(PDF_LIMITS.inflateBudget / 100);
    expect((await refusalOf(bomb)).detail).toBe('object streams inflate beyond the limit');
    // The budget is what refused it: with a budget of 1 MiB, 2 MiB are refused and ordinary object
    // streams still pass.
    const small = { ...PDF_LIMITS, inflateBudget: 1024 * 1024 };
    await expect(checkPdf(await pdfWithBomb(2), small)).rejects.toThrow(
      'object streams inflate beyond the limit',
    );
    const ordinary = await pdfLibDocument();
    expect(isPdf(await checkPdf(ordinary, small))).toBe(true);

    const twice = objectStream(['<< /S /GoTo >>'], 6, '/Filter [/FlateDecode /FlateDecode]');
    const lzw = objectStream(['<< /S /GoTo >>'], 6, '/Filter /LZWDecode');
    for (const stream of [twice, lzw]) {
      const file = onePagePdf({ more: [stream] }, { xrefStream: true, compressed: { 6: [5, 0] } });
      expect((await refusalOf(file)).detail).toBe(
        'an object stream uses a filter other than FlateDecode alone',
      );
    }
  });

  it('refuses data after %%EOF, garbage after %PDF- and truncated files', async () => {
    const polyglot = Buffer.concat([PDF_OK, Buffer.from('PK\x03\x04zipzipzip', 'latin1')]);
    expect((await refusalOf(polyglot)).detail).toBe('data after %%EOF');
    const garbage = Buffer.from('%PDF-\x00\xff<<>>garbage [(\n%%EOF\n', 'latin1');
    expect((await refusalOf(garbage)).reason).toBe('damaged');
    const whole = await pdfLibDocument(undefined, { useObjectStreams: false });
    expect((await refusalOf(whole.subarray(0, whole.length - 20))).detail).toBe('no %%EOF at the end');
    const cut = PDF_OK.indexOf('/MediaBox');
    const truncated = Buffer.concat([PDF_OK.subarray(0, cut), Buffer.from('\n%%EOF\n')]);
    expect((await refusalOf(truncated)).reason).toBe('damaged');
    expect((await refusalOf(Buffer.from('%PDF-1.7\n%%EOF\n'))).detail).toMatch(/catalog|parse/);
  });

  it('refuses the file when the parsing process runs out of memory', async () => {
    const many = rawPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      ...Array.from({ length: 20_000 }, (_, i) => `<< /N ${i} /A [1 2 3 4 5 6 7 8] /B (some text) >>`),
    ]);
    expect(isPdf(await checkPdf(many))).toBe(true);
    const oom = await checkPdf(many, { ...PDF_LIMITS, heapMb: 8 }).catch((error: unknown) => error);
    expect(oom).toBeInstanceOf(FileRejected);
    expect((oom as FileRejected).detail).toMatch(/memory|stopped/);
  });

  it('turns PDF checks away when two are running and sixteen waiting, and runs the waiting ones', async () => {
    // All calls start in one tick: two get a process, sixteen wait, the rest are refused at once.
    const calls = Array.from({ length: 2 + PDF_MAX_WAITING + 3 }, () =>
      checkPdf(PDF_OK).then(
        () => 'checked',
        (error: unknown) => (error instanceof BusyError ? 'busy' : String(error)),
      ),
    );
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'checked').length).toBe(2 + PDF_MAX_WAITING);
    expect(outcomes.slice(2 + PDF_MAX_WAITING)).toEqual(['busy', 'busy', 'busy']);
    // The slots were all given back.
    expect(isPdf(await checkPdf(PDF_OK))).toBe(true);
  });

  it('never throws anything but FileRejected on arbitrary bytes behind a PDF signature (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), async (rest, withEof) => {
        const input = Buffer.concat([
          Buffer.from('%PDF-'),
          Buffer.from(rest),
          Buffer.from(withEof ? '\n%%EOF\n' : ''),
        ]);
        try {
          const { cleaned } = await inspectUpload(input);
          expect(isPdf(cleaned)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FileRejected);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('mutations of a valid PDF are accepted or refused, never anything else (fuzz)', async () => {
    await mutationsAreCheckedOrRefused([await pdfLibDocument(undefined, { pages: 1 })], 20);
  });
});

/**
 * A simulated checking process (finding 17 of issue 12, ADR 0093): it answers what the test
 * says, when the test says, so that no test depends on how fast this machine is.
 */
function simulatedCheck(
  cpuLimited: boolean,
  behave: (child: EventEmitter & { stdout: PassThrough }) => void,
): PdfCheckStarter {
  return () => {
    const events = new EventEmitter();
    const child = Object.assign(events, {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      pid: undefined,
      exitCode: null,
      signalCode: null,
      kill: () => {
        setImmediate(() => events.emit('close', null, 'SIGKILL'));
        return true;
      },
    });
    child.stdin.resume();
    setImmediate(() => behave(child));
    return { child: child as unknown as PdfCheckProcess, cpuLimited };
  };
}

describe('PDF checks on a busy machine (finding 17)', () => {
  const quickClock = { ...PDF_LIMITS, timeoutMs: 20 };

  it('answers "busy" (BusyError, a 503 upstream), never "damaged", when the clock runs out before the processor-time limit', async () => {
    // A child starved by a loaded machine: it never gets to answer.
    const starved = simulatedCheck(true, () => {});
    const outcome = await checkPdf(PDF_OK, quickClock, starved).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(BusyError);
    expect(outcome).not.toBeInstanceOf(FileRejected);
  });

  it('refuses as damaged a file whose check used up its processor time (SIGXCPU)', async () => {
    const hostile = simulatedCheck(true, (child) => child.emit('close', null, 'SIGXCPU'));
    const outcome = await checkPdf(PDF_OK, PDF_LIMITS, hostile).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(FileRejected);
    expect((outcome as FileRejected).detail).toBe('the check used too much processor time');
  });

  it('where processor time cannot be limited, the clock still refuses the file', async () => {
    const starved = simulatedCheck(false, () => {});
    const outcome = await checkPdf(PDF_OK, quickClock, starved).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(FileRejected);
  });

  it('a slow but valid answer within the clock is the verdict', async () => {
    const slow = simulatedCheck(true, (child) => {
      child.stdout.write(`{"ok":true,"size":${PDF_OK.length}}\n`);
      child.stdout.write(PDF_OK);
      setImmediate(() => child.emit('close', 0, null));
    });
    await expect(checkPdf(PDF_OK, PDF_LIMITS, slow)).resolves.toEqual(PDF_OK);
  });

  it.runIf(process.platform === 'linux' && existsSync('/proc/self/limits'))(
    'the real command sets the processor-time limit for the checking process',
    async () => {
      const command = pdfCheckCommand(
        ['-e', "process.stdout.write(require('node:fs').readFileSync('/proc/self/limits', 'utf8'))"],
        { cpuSeconds: 7 },
      );
      expect(command.cpuLimited).toBe(true);
      const child = spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'ignore'], env: {} });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((resolve) => child.once('close', resolve));
      expect(out).toMatch(/Max cpu time\s+7\s+/);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a check that spins is stopped by the kernel with SIGXCPU, however loaded the machine',
    async () => {
      const command = pdfCheckCommand(['-e', 'for (;;) {}'], { cpuSeconds: 1 });
      const child = spawn(command.file, command.args, { stdio: 'ignore', env: {} });
      const [, signal] = await new Promise<[number | null, string | null]>((resolve) =>
        child.once('close', (code, sig) => resolve([code, sig])),
      );
      expect(signal).toBe('SIGXCPU');
    },
    120_000,
  );
});
