import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the app made to the Bot API. */
export interface TelegramCall {
  method: string;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for Telegram's Bot API on 127.0.0.1 (the only fake allowed): records every
 * call; answers getMe, sendMessage, and getUpdates (an empty long poll, after a short while,
 * as Telegram does); `true` to anything else.
 */
export async function startTelegramStandIn(): Promise<{
  apiRoot: string;
  calls: TelegramCall[];
  sent: () => string[];
  close: () => Promise<void>;
}> {
  const calls: TelegramCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop() ?? '';
      const body =
        chunks.length === 0
          ? {}
          : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      calls.push({ method, body });
      const result =
        method === 'getMe'
          ? {
              id: 42,
              is_bot: true,
              first_name: 'Help',
              username: 'help_bot',
              can_join_groups: false,
              can_read_all_group_messages: false,
              supports_inline_queries: false,
            }
          : method === 'sendMessage'
            ? {
                message_id: calls.length,
                date: 0,
                chat: { id: body.chat_id, type: 'private' },
                text: body.text,
              }
            : method === 'getUpdates'
              ? []
              : true;
      setTimeout(
        () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ ok: true, result }));
        },
        method === 'getUpdates' ? 50 : 0,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    sent: () => calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.body.text)),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
