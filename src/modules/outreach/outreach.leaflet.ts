/**
 * Print-ready leaflets and cards (issue 20, ADR 0155): an A6 card or an A5 leaflet with a QR code
 * (the `qrcode` library encodes it; pdfkit draws its modules as squares) that leads to the intake,
 * with the address also as text, and the code-name advice. The discreet variant looks like a
 * small business's card and says nothing of what it is. A print run can carry a campaign code,
 * which only ever reaches the aggregate arrival counts (never a case).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import QRCode from 'qrcode';
import type { SiteStrings } from './outreach.content.ts';

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export type LeafletSize = 'a6' | 'a5';
export type LeafletVariant = 'plain' | 'discreet';

export interface LeafletInput {
  size: LeafletSize;
  variant: LeafletVariant;
  lang: string;
  strings: SiteStrings;
  /** The address the QR code leads to, with the campaign code already in it. */
  url: string;
  /** The address as printed for typing by hand (no campaign code: shorter, and the same on every run). */
  printed: string;
}

/** Draws the QR code's dark modules as filled squares at (x, y), `size` points wide. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const cell = size / (n + 2 * quiet);
  doc.save().rect(x, y, size, size).fill('#ffffff');
  doc.fillColor('#000000');
  for (let row = 0; row < n; row++)
    for (let col = 0; col < n; col++)
      if (qr.modules.get(row, col)) doc.rect(x + (col + quiet) * cell, y + (row + quiet) * cell, cell, cell);
  doc.fill().restore();
}

/** Renders one leaflet as PDF bytes. The PDF's metadata names nothing but "Sanctuary". */
export async function renderLeaflet(input: LeafletInput): Promise<Buffer> {
  const t = input.strings;
  // Loaded on first use (pdfkit costs about 0.15 s of start-up in every process).
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: input.size === 'a6' ? 'A6' : 'A5',
    margin: input.size === 'a6' ? 20 : 36,
    info: {
      Title: input.variant === 'discreet' ? t.discreetTitle : t.leafletHeadline,
      Producer: 'Sanctuary',
      Creator: 'Sanctuary',
    },
    lang: input.lang,
  });
  doc.registerFont('regular', join(FONT_DIR, 'DejaVuSans.ttf'));
  doc.registerFont('bold', join(FONT_DIR, 'DejaVuSans-Bold.ttf'));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const big = input.size === 'a6' ? 15 : 22;
  const body = input.size === 'a6' ? 8.5 : 11;
  const qrSize = input.size === 'a6' ? 150 : 220;
  if (input.variant === 'discreet') {
    doc.font('bold').fontSize(big).text(t.discreetTitle, { width });
    doc.moveDown(0.5).font('regular').fontSize(body).text(t.discreetText, { width });
  } else {
    doc.font('bold').fontSize(big).text(t.leafletHeadline, { width });
    doc.moveDown(0.5).font('regular').fontSize(body).text(t.leafletText, { width });
  }
  doc.moveDown(0.8);
  const x = doc.page.margins.left + (width - qrSize) / 2;
  drawQr(doc, input.url, x, doc.y, qrSize);
  doc.y += qrSize + 8;
  doc
    .font('regular')
    .fontSize(body)
    .text(input.printed, doc.page.margins.left, doc.y, { width, align: 'center' });
  if (input.variant === 'plain')
    doc
      .moveDown(0.8)
      .fontSize(body - 1)
      .text(t.leafletCodename, { width });
  doc.end();
  return done;
}
