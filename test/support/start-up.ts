import { posix } from 'node:path';
import ts from 'typescript';
import type { SourceText } from './boundaries.ts';

/**
 * Libraries that cost a noticeable share of a process's start-up (measured by importing each
 * alone: 0.05–0.25 s of CPU) and serve only a few pages or commands. The app loads them on first
 * use (`await import(…)`), so that every test file and CLI process that never needs them does
 * not pay for them: together they were about 0.65 s of the 1.65 s that importing the app cost.
 */
export const LOADED_ON_FIRST_USE = [
  '@simplewebauthn/server',
  '@peculiar/',
  'pdf-lib',
  'pdfkit',
  'exifr',
  'vega',
  'sharp',
  'nodemailer',
  'grammy',
] as const;

/** The package a specifier names (`@scope/name` or `name`), or undefined for a relative one. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The imports of a file that load at run time when it loads: not `import type`, not `import()`. */
function staticImports(file: SourceText): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (node.importClause?.isTypeOnly === true) continue;
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    }
  }
  return out;
}

/**
 * The libraries of `LOADED_ON_FIRST_USE` that loading `entry` loads at once, each with the chain
 * of files that reaches it (sorted).
 */
export function eagerlyLoaded(files: readonly SourceText[], entry: string): string[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const via = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  const found: string[] = [];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const file = byPath.get(path);
    if (file === undefined) continue;
    for (const specifier of staticImports(file)) {
      const pkg = packageOf(specifier);
      if (pkg === undefined) {
        if (specifier.startsWith('node:')) continue;
        const to = posix.normalize(posix.join(posix.dirname(path), specifier));
        if (!via.has(to)) {
          via.set(to, [...via.get(path)!, to]);
          queue.push(to);
        }
      } else if (LOADED_ON_FIRST_USE.some((heavy) => pkg === heavy || pkg.startsWith(heavy))) {
        found.push(`${pkg}: ${via.get(path)!.join(' -> ')}`);
      }
    }
  }
  return found.sort();
}
