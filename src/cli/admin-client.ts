import { request } from 'node:http';

/** A call to the running server over the local admin socket. */
export interface AdminResponse<T = unknown> {
  status: number;
  body: T;
}

export function callAdmin<T = unknown>(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminResponse<T>> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath,
        method,
        path,
        headers:
          data === undefined ? {} : { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T,
            });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** The error text of an admin-channel answer, for the CLI user. */
export function adminErrorText(body: unknown): string {
  const error = (body as { error?: { message?: string; code?: string } }).error;
  return error?.message ?? error?.code ?? 'unknown error';
}
