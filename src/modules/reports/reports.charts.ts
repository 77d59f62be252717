import { createHash } from 'node:crypto';
import type { Loader } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Charts as SVG, rendered on the server by Vega-Lite and Vega (ADR 0145): no browser, no
 * canvas, no script on the page. The data is inline and the loader refuses every load, so a
 * chart can never make Vega reach for a file or the network. The figures themselves are in
 * the table beside each chart (screen readers, export); the chart is a picture of them.
 */
export interface ChartPoint {
  /** The category (x axis). */
  label: string;
  value: number;
  /** A series (colour), for grouped charts. */
  series?: string;
}

export interface ChartInput {
  title: string;
  xTitle: string;
  yTitle: string;
  points: readonly ChartPoint[];
}

interface ChartEngine {
  vega: typeof import('vega');
  compile: typeof import('vega-lite').compile;
  noLoading: Loader;
}

let engine: Promise<ChartEngine> | undefined;

/**
 * Vega and Vega-Lite, loaded on the first chart: together they cost about 0.15 s of start-up
 * in every process (CLI commands, test files) that never draws one.
 */
function chartEngine(): Promise<ChartEngine> {
  engine ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, { compile }]) => {
    const noLoading = vega.loader();
    for (const method of ['load', 'sanitize', 'http', 'file'] as const) {
      (noLoading as unknown as Record<string, unknown>)[method] = async () => {
        throw new Error('reports charts load nothing');
      };
    }
    return { vega, compile, noLoading };
  });
  return engine;
}

const cache = new Map<string, string>();
const CACHE_SIZE = 256;

/** A bar chart as a standalone SVG document (cached by its content: the same figures render once). */
export async function renderBarChart(input: ChartInput): Promise<string> {
  const grouped = input.points.some((p) => p.series !== undefined);
  const spec: TopLevelSpec = {
    width: Math.max(240, Math.min(720, 36 * input.points.length)),
    height: 180,
    background: 'white',
    data: { values: input.points.map((p) => ({ label: p.label, value: p.value, series: p.series ?? '' })) },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        title: input.xTitle,
        sort: null,
        axis: { labelAngle: -45, labelLimit: 120 },
      },
      y: { field: 'value', type: 'quantitative', title: input.yTitle },
      ...(grouped
        ? { color: { field: 'series', type: 'nominal', title: null }, xOffset: { field: 'series' } }
        : {}),
    },
    config: { font: 'sans-serif', view: { stroke: null } },
  };
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const { vega, compile, noLoading } = await chartEngine();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', loader: noLoading });
  try {
    const svg = await view.toSVG();
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, svg);
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * The SVG made fit to sit inside a page: the XML namespace declarations stay, the root gets an
 * accessible name and `role="img"`, and nothing Vega emitted may carry a script or a link out.
 */
export function embeddableSvg(svg: string, label: string): string {
  if (/<script|javascript:|<foreignObject|\shref=|xlink:href=|\son[a-z]+=/i.test(svg)) {
    throw new Error('chart SVG contains active content');
  }
  const escaped = label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return svg.replace(/^<svg /, `<svg role="img" aria-label="${escaped}" `);
}
