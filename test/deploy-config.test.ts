import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * Issue 12, finding 13: the shipped reverse-proxy and onion-service configurations must not
 * expose /healthz or /readyz (the latter tells whether the server is sealed). These tests read
 * the real files under deploy/ and fail if someone adds a location that proxies either path,
 * removes the block that refuses them, or publishes another port through Tor.
 *
 * Issue 17, item 6: the same for /metrics, and the key properties of the other deployment files
 * (Dockerfile, compose file, systemd unit, Grafana dashboard): non-root, hardened, no address
 * logged, the health and metrics ports never published, and the files agreeing on the ports.
 */
const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** `KEY=value` lines of an environment file. */
const envOf = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );

/** The two instances' ports, as the systemd instance files set them (the other files must agree). */
const INSTANCES = [1, 2].map((n) => envOf(read(`deploy/systemd/instance-${n}.env`)));
const PRIVATE_PORTS = INSTANCES.flatMap((i) => [i.PORT, i.SANCTUARY_ONION_PORT, i.SANCTUARY_HEALTH_PORT]);

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

  it.each(['/healthz', '/readyz', '/metrics'])('does not pass %s on', (path) => {
    const chosen = locationFor(locations, path);
    expect(forwards(chosen), `${path} is handled by location ${chosen?.modifier} ${chosen?.pattern}`).toBe(
      false,
    );
  });

  it('refuses the health paths and the metrics explicitly, with an exact-match block that returns 404', () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
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

  it('publishes only the onion ports (which answer 404 for the health paths), never a main or health port', () => {
    const ports = lines.filter((l) => /^HiddenServicePort\s/i.test(l));
    expect(ports).toEqual(INSTANCES.map((i) => `HiddenServicePort 80 127.0.0.1:${i.SANCTUARY_ONION_PORT}`));
    expect(lines).toContain('HiddenServiceExportCircuitID haproxy');
  });
});

describe('deploy/nginx/sanctuary.conf: nothing about a client is logged', () => {
  const conf = read('deploy/nginx/sanctuary.conf').replace(/#[^\n]*/g, '');
  const servers = conf.split(/\bserver\s*\{/).slice(1);

  it('turns the access log off in every server block, and defines no log format', () => {
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const server of servers) expect(server).toMatch(/\baccess_log\s+off\s*;/);
    expect([...conf.matchAll(/\baccess_log\s+([^;]+);/g)].map((m) => m[1]!.trim())).not.toContain(
      expect.not.stringMatching(/^off$/),
    );
    expect(conf).not.toMatch(/\blog_format\b/);
  });

  it('logs errors only at crit or above', () => {
    const levels = [...conf.matchAll(/\berror_log\s+\S+\s+(\w+)\s*;/g)].map((m) => m[1]);
    expect(levels.length).toBe([...conf.matchAll(/\berror_log\b/g)].length);
    for (const level of levels) expect(['crit', 'alert', 'emerg']).toContain(level);
  });

  it("replaces X-Forwarded-For with the connection's address and passes to the instances on loopback", () => {
    expect(conf).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr\s*;/);
    const block = /\bupstream\s+sanctuary\s*\{([^}]*)\}/.exec(conf)?.[1] ?? '';
    const upstream = [...block.matchAll(/\bserver\s+([^\s;]+)/g)].map((m) => m[1]);
    expect(upstream).toEqual(INSTANCES.map((i) => `127.0.0.1:${i.PORT}`));
  });
});

describe('deploy/docker/Dockerfile', () => {
  const lines = read('deploy/docker/Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => {
    if (/^FROM\s/i.test(l)) acc.push([]);
    acc.at(-1)?.push(l);
    return acc;
  }, []);
  const final = stages.at(-1) ?? [];

  it('builds in stages and runs Node 20 on Debian', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages)
      expect(stage[0]).toMatch(/^FROM node:20-bookworm(-slim)?(@sha256:\w+)?(\s|$)/);
  });

  it('runs as a user that is not root', () => {
    const users = final.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
  });

  it('installs nothing in the final image and removes the package manager', () => {
    const run = final.filter((l) => /^RUN\s/i.test(l)).join('\n');
    expect(run).not.toMatch(/apt-get|apt\s|npm\s+(install|ci)|gcc|make|python|build-essential/);
    expect(run).toMatch(/rm -rf[^\n]*\/usr\/local\/lib\/node_modules\/npm/);
  });

  it('exposes no port and writes only to its data volume', () => {
    expect(lines.filter((l) => /^EXPOSE\s/i.test(l))).toEqual([]);
    expect(final).toContain('VOLUME ["/var/lib/sanctuary"]');
  });
});

describe('deploy/compose/compose.yaml', () => {
  interface Service {
    image?: string;
    ports?: string[];
    network_mode?: string;
    networks?: string[];
    environment?: Record<string, string>;
    read_only?: boolean;
    user?: string;
    cap_drop?: string[];
    security_opt?: string[];
    ulimits?: Record<string, number>;
    command?: string[] | string;
  }
  const compose = parseYaml(read('deploy/compose/compose.yaml'), { merge: true }) as {
    services: Record<string, Service>;
    networks: Record<string, { internal?: boolean } | null>;
  };
  const services = compose.services;
  const apps = ['app1', 'app2'].map((name) => services[name]!);

  it('publishes only 80 and 443, from the shared namespace: never an app, health, metrics or database port', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p}`),
    );
    expect(published).toEqual(['netns 80:80', 'netns 443:443']);
    for (const name of ['app1', 'app2', 'proxy', 'tor', 'prometheus'])
      expect(services[name]!.network_mode).toBe('service:netns');
    expect(compose.networks.db?.internal).toBe(true);
    for (const name of ['db-primary', 'db-standby']) expect(services[name]!.networks).toEqual(['db']);
  });

  it('gives the instances the ports nginx and Tor expect', () => {
    expect(apps.map((a) => a.environment)).toEqual(INSTANCES);
  });

  it('runs the instances unprivileged on a read-only root filesystem, without core dumps', () => {
    for (const app of apps) {
      expect(app.read_only).toBe(true);
      expect(app.user).not.toMatch(/^(0|root)(:|$)/);
      expect(app.cap_drop).toEqual(['ALL']);
      expect(app.security_opt).toContain('no-new-privileges:true');
      expect(app.ulimits?.core).toBe(0);
    }
  });

  it('makes the standby synchronous under the name the standby gives itself', () => {
    const command = [services['db-primary']!.command].flat().join(' ');
    expect(command).toContain('synchronous_standby_names=FIRST 1 (standby)');
    expect(command).toContain('synchronous_commit=on');
    expect(read('deploy/postgres/standby-entrypoint.sh')).toContain('application_name=standby');
  });

  it('scrapes the health ports only from inside the namespace', () => {
    const prometheus = parseYaml(read('deploy/compose/prometheus.yml')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toEqual(INSTANCES.map((i) => `127.0.0.1:${i.SANCTUARY_HEALTH_PORT}`));
  });
});

describe('deploy/systemd/sanctuary@.service', () => {
  const unit = read('deploy/systemd/sanctuary@.service');
  const directives = unit
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z]+=/.test(l));
  const value = (key: string) =>
    directives.filter((d) => d.startsWith(`${key}=`)).map((d) => d.slice(key.length + 1));

  it.each([
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['RestrictSUIDSGID', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['LimitCORE', '0'],
    ['UMask', '0077'],
    ['StateDirectoryMode', '0700'],
  ])('sets %s=%s', (key, expected) => {
    expect(value(key)).toEqual([expected]);
  });

  it('limits memory and runs as its own user', () => {
    expect(value('MemoryMax')).toHaveLength(1);
    expect(value('User')).toEqual(['sanctuary']);
    expect(value('ExecStart')[0]).toMatch(/sanctuary\.js serve$/);
  });

  it("keeps every instance's ports distinct, so that none is reachable on another's", () => {
    expect(new Set(PRIVATE_PORTS).size).toBe(6);
    for (const port of PRIVATE_PORTS) expect(Number(port)).toBeGreaterThan(1024);
  });
});

describe('deploy/grafana/sanctuary-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/sanctuary-dashboard.json')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('charts only metrics that docs/OPERATIONS.md documents', () => {
    const ops = read('docs/OPERATIONS.md');
    const names = new Set(
      exprs.flatMap((e) =>
        [...e.matchAll(/\b(sanctuary_[a-z_]+|process_[a-z_]+|nodejs_[a-z0-9_]+)/g)].map((m) => m[1]!),
      ),
    );
    expect(names.size).toBeGreaterThan(8);
    for (const name of names) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(ops, `${name} is not in OPERATIONS.md`).toContain(`\`${base}\``);
    }
  });

  it('groups by no label outside the metrics’ own', () => {
    for (const expr of exprs) {
      for (const m of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of m[1]!.split(',').map((l) => l.trim()))
          expect(['le', 'route', 'status', 'state', 'instance']).toContain(label);
      }
    }
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

  it('walks through every deployment file', () => {
    const ops = read('docs/OPERATIONS.md');
    for (const file of [
      'deploy/docker/Dockerfile',
      'deploy/compose/compose.yaml',
      'deploy/systemd/sanctuary@.service',
      'deploy/grafana/sanctuary-dashboard.json',
      'deploy/postgres/standby-entrypoint.sh',
    ])
      expect(ops).toContain(file);
  });
});
