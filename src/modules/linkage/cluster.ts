import { compareDateParts, DATE_NEAR } from './dates.ts';
/**
 * Clustering of scored links into persons (see docs/adr/0021-clustering-guarded-kruskal.md).
 *
 * Plain connected components chain: A~B and B~C put A and C together even when A and C
 * plainly contradict each other. Here links are taken strongest first (Kruskal order), and two
 * groups are joined only when
 *   - the joined group stays within `maxClusterSize`, and
 *   - the guard finds no contradiction between them (in plain mode: two reliable genders, or
 *     two full birth dates that no error model explains).
 * A refused link is counted and can be shown in an explanation; it never hides a record.
 */
import type { RecordStore } from './record-store.ts';

/** Decides whether two clusters (given by their root records) may be joined. */
export interface ClusterGuard {
  /** True when joining the clusters rooted at a and b would contradict something. */
  conflicts(a: number, b: number): boolean;
  /** Records that the cluster rooted at `from` now belongs to the one rooted at `into`. */
  merge(into: number, from: number): void;
}

/** Growable list of scored links. */
export class EdgeList {
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  w = new Float32Array(1024);
  length = 0;

  push(a: number, b: number, w: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Int32Array | Float32Array>(arr: T, make: (n: number) => T): T => {
        const next = make(arr.length * 2);
        next.set(arr);
        return next;
      };
      this.a = grow(this.a, (n) => new Int32Array(n));
      this.b = grow(this.b, (n) => new Int32Array(n));
      this.w = grow(this.w, (n) => new Float32Array(n));
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.w[this.length] = w;
    this.length++;
  }
}

/** The result of clustering n records. */
export interface Clustering {
  /** Cluster number of each record, 0-based, numbered in order of first appearance. */
  readonly clusterOf: Int32Array;
  readonly clusterCount: number;
  /** Indices (into the edge list) of the links that joined clusters. */
  readonly accepted: Int32Array;
  /** Links above the threshold that the guard or the size cap refused. */
  readonly refused: number;
}

/** Edge indices ordered by weight, strongest first; ties keep input order (deterministic). */
function orderByWeight(edges: EdgeList): Uint32Array {
  const n = edges.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let e = 0; e < n; e++) {
    const w = edges.w[e]!;
    if (w < min) min = w;
    if (w > max) max = w;
  }
  const buckets = 1 << 16;
  const scale = max > min ? (buckets - 1) / (max - min) : 0;
  const keys = new Uint16Array(n);
  const counts = new Uint32Array(buckets + 1);
  for (let e = 0; e < n; e++) {
    const k = Math.round((max - edges.w[e]!) * scale);
    keys[e] = k;
    counts[k + 1]! += 1;
  }
  for (let k = 0; k < buckets; k++) counts[k + 1]! += counts[k]!;
  const order = new Uint32Array(n);
  for (let e = 0; e < n; e++) {
    const k = keys[e]!;
    order[counts[k]!] = e;
    counts[k]! += 1;
  }
  return order;
}

/**
 * Guarded Kruskal clustering: links strongest first; a link joins two clusters unless the size
 * cap or the guard refuses it.
 */
export function clusterLinks(
  n: number,
  edges: EdgeList,
  options: { maxClusterSize: number; guard?: ClusterGuard | undefined },
): Clustering {
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r]! !== r) r = parent[r]!;
    let y = x;
    while (parent[y]! !== r) {
      const next = parent[y]!;
      parent[y] = r;
      y = next;
    }
    return r;
  };
  const order = orderByWeight(edges);
  const accepted: number[] = [];
  let refused = 0;
  for (let k = 0; k < order.length; k++) {
    const e = order[k]!;
    let ra = find(edges.a[e]!);
    let rb = find(edges.b[e]!);
    if (ra === rb) continue;
    if (size[ra]! + size[rb]! > options.maxClusterSize || options.guard?.conflicts(ra, rb) === true) {
      refused++;
      continue;
    }
    if (size[ra]! < size[rb]!) {
      const t = ra;
      ra = rb;
      rb = t;
    }
    parent[rb] = ra;
    size[ra]! += size[rb]!;
    options.guard?.merge(ra, rb);
    accepted.push(e);
  }
  const clusterOf = new Int32Array(n);
  const numberOfRoot = new Int32Array(n).fill(-1);
  let clusterCount = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (numberOfRoot[r]! < 0) numberOfRoot[r] = clusterCount++;
    clusterOf[i] = numberOfRoot[r]!;
  }
  return { clusterOf, clusterCount, accepted: Int32Array.from(accepted), refused };
}

/**
 * The plain-mode guard (average-linkage check, see ADR 0021): two clusters are joined only if
 *   - they do not hold a man and a woman (by patronymic or given name; surname endings are too
 *     easily mistyped to veto), and
 *   - at least half of the pairs across them score at or above the link cut (`score(i, j)` is
 *     the match weight). One strong link between two otherwise unlike groups is not enough.
 * Cross pairs are scored on demand; for large clusters a fixed, deterministic subset of at most
 * `maxCrossPairs` pairs is used.
 */
export function createAverageLinkGuard(
  store: RecordStore,
  score: (i: number, j: number) => number,
  cut: number,
  maxCrossPairs = 400,
  /** False in private mode: only the scores are used, never the plaintext fields. */
  useFields = true,
): ClusterGuard {
  const n = store.size;
  const genders = new Uint8Array(n);
  // Members of each cluster as a circular list: next[i] is the next member of i's cluster.
  const next = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const g = useFields ? store.strongGender[i]! : 0;
    genders[i] = g === 0 ? 0 : 1 << (g - 1);
    next[i] = i;
  }
  return {
    conflicts(a, b) {
      if ((genders[a]! | genders[b]!) === 3) return true;
      const sa = size[a]!;
      const sb = size[b]!;
      if (sa === 1 && sb === 1) return false; // the link itself was scored above the cut
      const total = sa * sb;
      const strideA = total > maxCrossPairs ? Math.max(1, Math.floor(sa / Math.sqrt(maxCrossPairs))) : 1;
      const strideB = total > maxCrossPairs ? Math.max(1, Math.floor(sb / Math.sqrt(maxCrossPairs))) : 1;
      let above = 0;
      let seen = 0;
      let datePairs = 0;
      let dateAgree = 0;
      let x = a;
      for (let p = 0; p < sa; p++, x = next[x]!) {
        if (p % strideA !== 0) continue;
        let y = b;
        for (let q = 0; q < sb; q++, y = next[y]!) {
          if (q % strideB !== 0) continue;
          seen++;
          if (score(x, y) >= cut) above++;
          if (useFields && store.day[x]! !== 0 && store.day[y]! !== 0) {
            datePairs++;
            const level = compareDateParts(
              store.year[x]!,
              store.month[x]!,
              store.day[x]!,
              store.year[y]!,
              store.month[y]!,
              store.day[y]!,
            );
            // Same year and month with another day is a mistyped day as often as not (a tens
            // digit changed and clamped, 09 -> 28): reconcilable, the scores decide.
            if (level >= DATE_NEAR || (store.year[x] === store.year[y] && store.month[x] === store.month[y]))
              dateAgree++;
          }
        }
      }
      // Full birth dates on both sides that no error model reconciles: two people.
      if (datePairs > 0 && dateAgree * 2 < datePairs) return true;
      return above * 2 < seen;
    },
    merge(into, from) {
      genders[into] = genders[into]! | genders[from]!;
      size[into] = size[into]! + size[from]!;
      const t = next[into]!;
      next[into] = next[from]!;
      next[from] = t;
    },
  };
}
