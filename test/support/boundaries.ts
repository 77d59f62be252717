import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The checker behind test/boundaries.test.ts (ADR 0110). It reads source text only (no
 * database, no type checking): every import of every file, and every table a file writes.
 *
 * Units: each folder under src/modules/ is a module; src/access, src/platform, src/config,
 * src/db, src/crypto and src/domain are layers; src/context.ts is the context; src/app.ts, src/server.ts
 * and src/cli/ are the entry points. Every unit has a tier, and a unit may import only from
 * its own tier or a lower one.
 */

/** A source file: its path from the repository root (with `/`), and its text. */
export interface SourceText {
  readonly path: string;
  readonly text: string;
}

export type Rule = 'face' | 'tables' | 'order' | 'cycle';

export interface Violation {
  readonly rule: Rule;
  /** Stable text naming the violation; an allow-list entry is such a key. */
  readonly key: string;
}

/** An import from one file of the repository to another. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** A write (insert, update, delete) to a table, found in a file. */
export interface TableWrite {
  readonly file: string;
  readonly table: string;
}

/** The agreed module order (ADR 0110): a unit imports only from its own tier or below. */
export const TIERS = {
  /** Lower layers: no module of their own, no knowledge of any module. */
  platform: 0,
  config: 0,
  db: 0,
  crypto: 0,
  /** Domain lists shared by several modules (ADR 0109): pure data, no imports. */
  domain: 0,
  access: 1,
  /** Core modules every feature may use. */
  keys: 2,
  audit: 2,
  jobs: 2,
  /** The AppContext type (config, database, vault, logger, limits) handed to features. */
  context: 3,
  /** Entry points: they assemble the features. */
  entry: 5,
} as const;
/** Every module not named in TIERS is a feature module. */
export const FEATURE_TIER = 4;

const LAYERS = new Set(['platform', 'config', 'db', 'crypto', 'domain', 'access']);

/** The unit a file belongs to, or undefined for files outside src/. */
export function unitOf(path: string): string | undefined {
  const [top, folder = '', name] = path.split('/');
  if (top !== 'src') return undefined;
  if (folder === 'modules' && name !== undefined && path.split('/').length > 3) return name;
  if (name !== undefined && LAYERS.has(folder)) return folder;
  if (folder === 'cli' || path === 'src/app.ts' || path === 'src/server.ts') return 'entry';
  if (path === 'src/context.ts') return 'context';
  return undefined;
}

export function isModule(unit: string): boolean {
  return !LAYERS.has(unit) && unit !== 'context' && unit !== 'entry';
}

export function tierOf(unit: string): number {
  return (TIERS as Record<string, number>)[unit] ?? FEATURE_TIER;
}

export function isTestFile(path: string): boolean {
  return /\.test\.tsx?$/.test(path);
}

/** A module's face: the only file of it that other units may import. */
export function faceOf(module: string): string {
  return `src/modules/${module}/index.ts`;
}

const WRITE_METHODS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto']);
/** `insert into t`, `delete from t`, `update t set`: in SQL text, not in prose. */
const RAW_WRITE =
  /\b(?:insert\s+into\s+"?([a-z_][a-z0-9_]*)|delete\s+from\s+"?([a-z_][a-z0-9_]*)|update\s+"?([a-z_][a-z0-9_]*)"?\s+set\b)/gi;

/** The imports (static, re-exports, dynamic, `import('…')` types) and table writes of one file. */
export function scanFile(file: SourceText): { imports: ImportEdge[]; writes: TableWrite[] } {
  const known = scanned.get(file);
  if (known !== undefined) return known;
  const result = parseFile(file);
  scanned.set(file, result);
  return result;
}

/** Each file is parsed once, however many checks read it. */
const scanned = new WeakMap<SourceText, { imports: ImportEdge[]; writes: TableWrite[] }>();

function parseFile(file: SourceText): { imports: ImportEdge[]; writes: TableWrite[] } {
  const source = ts.createSourceFile(
    file.path,
    file.text,
    ts.ScriptTarget.Latest,
    true,
    scriptKindOf(file.path),
  );
  const imports: ImportEdge[] = [];
  const writes: TableWrite[] = [];
  const addImport = (specifier: string) => {
    if (!specifier.startsWith('.')) return; // a package
    imports.push({ from: file.path, to: posix.normalize(posix.join(posix.dirname(file.path), specifier)) });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      addImport(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      addImport(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      addImport(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      WRITE_METHODS.has(node.expression.name.text) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      // `insertInto('cases')`, `updateTable('cases as c')`
      writes.push({ file: file.path, table: node.arguments[0].text.trim().split(/\s+/)[0] ?? '' });
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateExpression(node)) {
      // Raw SQL: a `sql` template, or a statement kept in a string constant.
      for (const match of node.getText(source).matchAll(RAW_WRITE)) {
        writes.push({ file: file.path, table: (match[1] ?? match[2] ?? match[3] ?? '').toLowerCase() });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, writes };
}

function scriptKindOf(path: string): ts.ScriptKind {
  return path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

export interface BoundaryInput {
  readonly files: readonly SourceText[];
  /** Table → the module that alone may write it. */
  readonly tableOwners: Readonly<Record<string, string>>;
  /**
   * Known violations waiting for another change (`from -> to` import edges, or
   * `file writes table`): they are left out of every rule, cycles included.
   */
  readonly pending?: readonly string[];
}

export function edgeKey(edge: ImportEdge): string {
  return `${edge.from} -> ${edge.to}`;
}

export function writeKey(write: TableWrite): string {
  return `${write.file} writes ${write.table}`;
}

/**
 * Every violation of the four rules, in a stable order:
 * (face) a file imports a file of another module that is not the module's index.ts (tests
 * included: a test may import its own module's internals, other modules through their faces);
 * (tables) a non-test file (migrations excepted) writes a table its unit does not own;
 * (order) a unit imports from a higher tier (test files excepted);
 * (cycle) the units import each other in a cycle, test files left out (printed as `a -> b -> a`).
 */
export function checkBoundaries(input: BoundaryInput): Violation[] {
  const pending = new Set(input.pending ?? []);
  const violations: Violation[] = [];
  const graph = new Map<string, Set<string>>();
  for (const file of input.files) {
    const fromUnit = unitOf(file.path);
    if (fromUnit === undefined) continue;
    const { imports, writes } = scanFile(file);
    for (const edge of imports) {
      if (pending.has(edgeKey(edge))) continue;
      const toUnit = unitOf(edge.to);
      if (toUnit === undefined || toUnit === fromUnit) continue;
      if (isModule(toUnit) && edge.to !== faceOf(toUnit)) {
        violations.push({ rule: 'face', key: `face: ${edgeKey(edge)} (use ${faceOf(toUnit)})` });
      }
      // A test may build the whole app (app.ts, server.ts) to test its module through it:
      // tests keep to the faces, but neither set the order nor join the cycle graph.
      if (isTestFile(file.path)) continue;
      if (tierOf(toUnit) > tierOf(fromUnit)) {
        violations.push({
          rule: 'order',
          key: `order: ${fromUnit} (tier ${tierOf(fromUnit)}) imports ${toUnit} (tier ${tierOf(toUnit)}): ${edgeKey(edge)}`,
        });
      }
      if (!graph.has(fromUnit)) graph.set(fromUnit, new Set());
      graph.get(fromUnit)?.add(toUnit);
    }
    // Migrations change every table's shape and backfill it; they belong to no module.
    if (isTestFile(file.path) || file.path.startsWith('src/db/migrations/')) continue;
    for (const write of writes) {
      if (pending.has(writeKey(write))) continue;
      const owner = input.tableOwners[write.table];
      if (owner === fromUnit) continue;
      violations.push({
        rule: 'tables',
        key: `tables: ${writeKey(write)}, owned by ${owner ?? 'no module (add it to the ownership map)'}`,
      });
    }
  }
  for (const cycle of findCycles(graph)) {
    // Written from its smallest unit, so a cycle found from two of its units is one violation.
    const turn = cycle.indexOf([...cycle].sort()[0] ?? '');
    if (turn > 0) cycle.splice(0, cycle.length, ...cycle.slice(turn, -1), ...cycle.slice(0, turn + 1));
    violations.push({ rule: 'cycle', key: `cycle: ${cycle.join(' -> ')}` });
  }
  return [...new Map(violations.map((v) => [v.key, v])).values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The cycles among units: for each strongly connected group (Tarjan), the shortest cycle
 * through each of its units, e.g. `auth -> cases -> auth`.
 */
export function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return groups.flatMap((group) => {
    // One shortest cycle through each unit of the group, so every unit in it is named.
    const cycles = new Map<string, string[]>();
    for (const unit of group.sort()) {
      const path = cyclePath(graph, new Set(group), unit);
      cycles.set(path.join(' -> '), path);
    }
    return [...cycles.values()];
  });
}

/** The shortest way from `start` back to itself, inside the group. */
function cyclePath(
  graph: ReadonlyMap<string, ReadonlySet<string>>,
  group: ReadonlySet<string>,
  start: string,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = previous.get(u))
          path.splice(1, 0, u);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Every .ts/.tsx file under a folder of the repository, as SourceText. */
export function readSources(root: string, folder: string): SourceText[] {
  const files: SourceText[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push({ path: relative(root, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(join(root, folder));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Every import edge and table write of the given files, as allow-list keys. */
export function allKeys(files: readonly SourceText[]): Set<string> {
  const keys = new Set<string>();
  for (const file of files) {
    const { imports, writes } = scanFile(file);
    for (const edge of imports) keys.add(edgeKey(edge));
    for (const write of writes) keys.add(writeKey(write));
  }
  return keys;
}
