import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12, finding 13: the shipped reverse-proxy and onion-service configurations must not
 * expose /healthz or /readyz (the latter tells whether the server is sealed). These tests read
 * the real files under deploy/ and fail if someone adds a location that proxies either path,
 * removes the block that refuses them, or publishes another port through Tor.
 */
const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Location {
  modifier: '' | '=' | '^~' | '~' | '~*';
  pattern: string;
  body: string;
}

/** The location blocks of an nginx server block (no nesting in ours; comments removed). */
function locationsOf(conf: string): Location[] {
  const text = conf.replace(/#[^\n]*/g, '');
  const out: Location[] = [];
  const re = /location\s+(=|\^~|~\*|~)?\s*(\S+)\s*\{([^}]*)\}/g;
  for (const m of text.matchAll(re)) {
    out.push({ modifier: (m[1] ?? '') as Location['modifier'], pattern: m[2]!, body: m[3]! });
  }
  return out;
}

/** nginx's choice of location for a path: exact, then the longest prefix (^~ stops there), then regexes in order. */
function locationFor(locations: Location[], path: string): Location | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.pattern === path);
  if (exact !== undefined) return exact;
  const prefixes = locations
    .filter((l) => (l.modifier === '' || l.modifier === '^~') && path.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length);
  if (prefixes[0]?.modifier === '^~') return prefixes[0];
  const regex = locations.find(
    (l) =>
      (l.modifier === '~' || l.modifier === '~*') &&
      new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(path),
  );
  return regex ?? prefixes[0];
}

const forwards = (l: Location | undefined) =>
  l !== undefined && /\b(proxy_pass|fastcgi_pass|uwsgi_pass|grpc_pass)\b/.test(l.body);

describe('deploy/nginx/sanctuary.conf', () => {
  const locations = locationsOf(read('deploy/nginx/sanctuary.conf'));

  it('passes the site on to Sanctuary', () => {
    expect(forwards(locationFor(locations, '/'))).toBe(true);
    expect(forwards(locationFor(locations, '/staff/login'))).toBe(true);
  });

  it.each(['/healthz', '/readyz'])('does not pass %s on', (path) => {
    const chosen = locationFor(locations, path);
    expect(forwards(chosen), `${path} is handled by location ${chosen?.modifier} ${chosen?.pattern}`).toBe(
      false,
    );
  });

  it('refuses the health paths explicitly, with an exact-match block that returns 404', () => {
    for (const path of ['/healthz', '/readyz']) {
      const block = locations.find((l) => l.modifier === '=' && l.pattern === path);
      expect(block?.body).toMatch(/return\s+404\s*;/);
    }
  });

  it('is found by this parser (a parser that sees nothing could not fail)', () => {
    expect(locations.length).toBeGreaterThanOrEqual(3);
    expect(
      forwards(locationFor([{ modifier: '', pattern: '/', body: 'proxy_pass http://x;' }], '/readyz')),
    ).toBe(true);
  });
});

describe('deploy/tor/torrc', () => {
  const lines = read('deploy/tor/torrc')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');

  it('publishes only the onion port (which answers 404 for the health paths), never the main or health port', () => {
    const ports = lines.filter((l) => /^HiddenServicePort\s/i.test(l));
    expect(ports).toEqual(['HiddenServicePort 80 127.0.0.1:8081']);
    expect(lines).toContain('HiddenServiceExportCircuitID haproxy');
  });
});

describe('docs/OPERATIONS.md', () => {
  it('points at the shipped files and says why the health endpoints stay inside', () => {
    const ops = read('docs/OPERATIONS.md');
    expect(ops).toContain('deploy/nginx/sanctuary.conf');
    expect(ops).toContain('deploy/tor/torrc');
    expect(ops).toMatch(/seal/i);
    expect(ops).toContain('SANCTUARY_HEALTH_PORT');
  });
});
