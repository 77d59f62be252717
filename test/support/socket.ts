import { connect } from 'node:net';

/**
 * Writes raw bytes on a new loopback connection and resolves with everything the server sent:
 * when the server closes the connection, when what arrived satisfies `until` (the connection is
 * then dropped), or, with `endAfterMs`, when the client ends it after that long.
 */
export function rawExchange(
  port: number,
  bytes: string,
  options: { until?: (received: string) => boolean; endAfterMs?: number } = {},
): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('utf8');
      if (options.until?.(received) === true) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
    socket.write(bytes);
    if (options.endAfterMs !== undefined) setTimeout(() => socket.end(), options.endAfterMs);
  });
}
