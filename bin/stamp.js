// The fingerprint of the sources that `npm run build` compiles into dist/ (ADR 0149): every
// file under src/ except tests, by path, size and modification time. bin/sanctuary.js runs
// dist/ only when its recorded fingerprint equals the sources' current one.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function sourceStamp(srcDir) {
  const lines = [];
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || /\.test\.tsx?$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const st = statSync(path);
    lines.push(`${relative(srcDir, path)}:${st.size}:${Math.trunc(st.mtimeMs)}`);
  }
  lines.sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
