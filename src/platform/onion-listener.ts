import type { Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, isIPv6, type Socket, type Server as TcpServer } from 'node:net';
import { V1ProxyProtocol } from 'proxy-protocol-js';
import { listenOn } from './listen.ts';

/**
 * A loopback listener for Tor's onion service with `HiddenServiceExportCircuitID haproxy`
 * (ADR 0008). Tor then opens every stream with a PROXY protocol v1 line whose source address
 * carries, in its low 32 bits, an identifier of the Tor circuit the stream came on
 * (https://spec.torproject.org/haproxy-proxy.html). Behind an onion service every visitor
 * otherwise comes from 127.0.0.1, so per-client limits would lump all Tor users together;
 * with the circuit as the client, one flooding circuit exhausts only its own allowance.
 *
 * The circuit id is not an address and says nothing about who the person is; like an address
 * it is used only as an in-memory rate-limit key (HMACed by the limiter), never stored or
 * logged. A connection that does not start with a well-formed TCP6 PROXY line is closed.
 */
const MAX_HEADER_BYTES = 107; // PROXY protocol v1: at most 107 bytes, CRLF included
const HEADER_TIMEOUT_MS = 5_000;

const circuits = new WeakMap<Socket, string>();

/** The Tor circuit a connection came on, when it came through the onion listener. */
export function onionCircuitOf(socket: Socket | undefined): string | undefined {
  return socket === undefined ? undefined : circuits.get(socket);
}

/** The circuit id (low 32 bits of the IPv6 source address) of a PROXY v1 line, or undefined. */
export function circuitOfProxyLine(line: string): string | undefined {
  let parsed: V1ProxyProtocol;
  try {
    parsed = V1ProxyProtocol.parse(line);
  } catch {
    return undefined;
  }
  const source = parsed.source.ipAddress;
  if (parsed.inetProtocol !== 'TCP6' || !isIPv6(source)) return undefined;
  const groups = expandIPv6(source);
  if (groups === undefined) return undefined;
  return `${groups[6]}${groups[7]}`;
}

function expandIPv6(address: string): string[] | undefined {
  if (address.includes('.')) return undefined; // an embedded IPv4 tail is not what Tor sends
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((g) =>
    g.toLowerCase().padStart(4, '0'),
  );
}

/**
 * Listens on `host:port` (loopback) and hands every connection whose PROXY line names a
 * circuit to `http`, the same HTTP server as the main port, with the rest of its bytes.
 */
export async function startOnionListener(options: {
  http: HttpServer;
  host: string;
  port: number;
}): Promise<TcpServer> {
  const server = createTcpServer((socket) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HEADER_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n');
      if (end === -1) {
        if (buffered.length >= MAX_HEADER_BYTES) socket.destroy();
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const circuit =
        end + 2 <= MAX_HEADER_BYTES
          ? circuitOfProxyLine(buffered.subarray(0, end + 2).toString('latin1'))
          : undefined;
      if (circuit === undefined) {
        socket.destroy();
        return;
      }
      circuits.set(socket, circuit);
      const rest = buffered.subarray(end + 2);
      if (rest.length > 0) socket.unshift(rest);
      options.http.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  await listenOn(server, options.port, options.host);
  return server;
}
