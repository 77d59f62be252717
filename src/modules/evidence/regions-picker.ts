/**
 * Choosing regions by clicking the picture without JavaScript (ADR 0200). The picture is drawn
 * at a display size the server chose and pinned in the page (width and height in CSS pixels,
 * never shrunk by the stylesheet), and the form sends that width back with every click; the
 * browser reports a click in those CSS pixels, so the server converts it to the picture's own
 * pixels. A click covers the whole block of picture pixels under that screen pixel, so a region
 * drawn on a reduced picture is never smaller than what was clicked.
 */

/** Wider pictures are shown at this width unless another is asked for. */
export const FIT_WIDTH = 720;
/** The display widths offered, as percentages of the picture's width. */
export const ZOOMS = [25, 50, 100] as const;

export type Size = {
  width: number;
  height: number;
};

/** The size the picture is drawn at: the asked width within [min(16, width), width], else fitted. */
export function displaySize(natural: Size, requestedWidth: unknown): Size {
  const asked =
    typeof requestedWidth === 'string' && /^\d{1,5}$/.test(requestedWidth) ? Number(requestedWidth) : NaN;
  const width = Number.isNaN(asked)
    ? Math.min(natural.width, FIT_WIDTH)
    : Math.max(Math.min(16, natural.width), Math.min(asked, natural.width));
  return { width, height: Math.max(1, Math.round((natural.height * width) / natural.width)) };
}

/** The picture pixel under a click at `at` (CSS pixels of the drawn picture), clamped to the picture. */
export function toPicture(
  at: { x: number; y: number },
  shown: Size,
  natural: Size,
): { x: number; y: number } {
  return {
    x: Math.min(natural.width - 1, Math.floor((at.x * natural.width) / shown.width)),
    y: Math.min(natural.height - 1, Math.floor((at.y * natural.height) / shown.height)),
  };
}

/**
 * The region ("x y width height", picture pixels) between two clicked corners, both already in
 * picture pixels: it reaches to the end of the block of pixels under the farther click.
 */
export function regionBetween(
  a: { x: number; y: number },
  b: { x: number; y: number },
  shown: Size,
  natural: Size,
): string {
  const bx = Math.ceil(natural.width / shown.width) - 1;
  const by = Math.ceil(natural.height / shown.height) - 1;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  const x2 = Math.min(natural.width - 1, Math.max(a.x, b.x) + bx);
  const y2 = Math.min(natural.height - 1, Math.max(a.y, b.y) + by);
  return `${x} ${y} ${x2 - x + 1} ${y2 - y + 1}`;
}
