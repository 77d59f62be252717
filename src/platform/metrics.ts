import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one application instance (ADR 0111), served only on the loopback
 * health-check port (`GET /metrics`, platform/health-listener.ts), never on a public listener.
 *
 * Every label comes from a fixed, small set chosen by the code: the route *pattern* Fastify
 * matched (never the URL), the HTTP method (known methods only), the status code, a job state, a
 * pool state. Nothing a client sends, and nothing about a client, ever becomes a label or a
 * value: a scrape must not help anyone tell applicants apart (no address, circuit, codename,
 * case, partner or staff member). `test/metrics.test.ts` scrapes after traffic carrying canaries
 * and checks every label name and value against an allow-list.
 *
 * A registry per instance: tests build several apps in one process, and each counts only its own.
 * The per-request cost is one histogram observation (its `_count` is the request counter).
 */

/** Label names a metric may carry (the test's allow-list is written out separately). */
export type MetricLabel = 'method' | 'route' | 'status' | 'state';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Request durations in seconds: 5 ms … 10 s, around the intake's p50/p99 under load. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class AppMetrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #rateLimited: Counter<'route'>;
  #processMetrics = false;

  constructor() {
    this.#requests = new Histogram({
      name: 'sanctuary_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status, and how long each took to answer (seconds)',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.#rateLimited = new Counter({
      name: 'sanctuary_rate_limit_refusals_total',
      help: 'Requests refused with 429 (a per-client, per-case, per-partner or global rate limit), by route pattern',
      labelNames: ['route'],
      registers: [this.registry],
    });
  }

  /**
   * Counts one answered request. `route` is Fastify's route pattern (`/cases/:id`), or undefined
   * when no route matched; the URL itself is never a label.
   */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = {
      method: METHODS.has(method) ? method : 'OTHER',
      route: route ?? '(unmatched)',
      status: String(status),
    };
    this.#requests.observe(labels, seconds);
    if (status === 429) this.#rateLimited.inc({ route: labels.route });
  }

  /** A gauge without labels, read at each scrape. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * A gauge with one label whose values are fixed here, read at each scrape (possibly from the
   * database). A value `read` returns for any other label value is dropped, so nothing outside
   * `values` can ever appear; a failed read leaves the gauge empty for that scrape.
   */
  labelledGauge(
    name: string,
    help: string,
    label: MetricLabel,
    values: readonly string[],
    read: () => Promise<Record<string, number>> | Record<string, number>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      async collect() {
        this.reset();
        let figures: Record<string, number>;
        try {
          figures = await read();
        } catch {
          return;
        }
        for (const value of values) this.set({ [label]: value }, figures[value] ?? 0);
      },
    });
  }

  /** A histogram without labels; returns its observe function. */
  histogram(name: string, help: string, buckets: number[]): (value: number) => void {
    const h = new Histogram({ name, help, buckets, registers: [this.registry] });
    return (value) => h.observe(value);
  }

  /** A counter without labels; returns its increment function. */
  counter(name: string, help: string): () => void {
    const c = new Counter({ name, help, registers: [this.registry] });
    return () => c.inc();
  }

  /**
   * Adds prom-client's process metrics (CPU, resident memory, heap, event-loop delay, GC) to this
   * registry. Only the server calls it, once, when it serves metrics: each call starts observers
   * that live as long as the process, which the many apps a test run builds do not need.
   */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
