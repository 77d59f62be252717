/**
 * `DATABASE_URL` with one host or several (ADR 0118): libpq's multi-host form
 * `postgres://user:pw@h1:5432,h2:5433/db?target_session_attrs=read-write`. node-postgres
 * (8.x) reads only one host, so the list is split here into one single-host URL per host,
 * in the order given; src/db/failover.ts connects to the first of them that accepts writes.
 * `target_session_attrs` may be left out or be `read-write` / `primary`: Sanctuary writes,
 * so it always looks for the primary, and any other value is refused as a mistake.
 */
export interface DatabaseUrl {
  /** One URL per host, in the order of the setting, without `target_session_attrs`. */
  readonly hostUrls: readonly string[];
  /** `host:port` of each, for messages (never the credentials). */
  readonly hostLabels: readonly string[];
}

const SHAPE = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._%-]+)(?::(\d{1,5}))?$/;

export function parseDatabaseUrl(url: string): DatabaseUrl | { problem: string } {
  const m = SHAPE.exec(url);
  if (m === null) return { problem: 'must look like postgres://user:password@host:5432/database' };
  const [, scheme, userinfo = '', hostList = '', path = '', query = ''] = m;
  const params = new URLSearchParams(query.slice(1));
  const attrs = params.get('target_session_attrs');
  if (attrs !== null && attrs !== 'read-write' && attrs !== 'primary') {
    return {
      problem: `target_session_attrs=${attrs} is not supported: Sanctuary always connects to the primary (leave it out or use read-write)`,
    };
  }
  params.delete('target_session_attrs');
  const rest = `${path}${params.size > 0 ? `?${params.toString()}` : ''}`;
  const hosts = hostList === '' ? [''] : hostList.split(',');
  const hostUrls: string[] = [];
  const hostLabels: string[] = [];
  for (const host of hosts) {
    if (host === '' && hosts.length > 1)
      return { problem: 'has an empty host in its list (h1:5432,h2:5432)' };
    const h = host === '' ? null : HOST.exec(host);
    if (host !== '' && h === null) return { problem: `has a host that is not host or host:port: ${host}` };
    const port = h?.[2] === undefined ? 5432 : Number(h[2]);
    if (port < 1 || port > 65535) return { problem: `has a port outside 1-65535: ${host}` };
    hostUrls.push(`${scheme}${userinfo}${host}${rest}`);
    hostLabels.push(h === null ? '(socket)' : `${h[1]}:${port}`);
  }
  if (new Set(hostLabels).size !== hostLabels.length) return { problem: 'names the same host twice' };
  return { hostUrls, hostLabels };
}
