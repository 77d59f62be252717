import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { renderDocument } from '../html.tsx';
import { renderScoped } from './render-scope.ts';

/** Replies with a rendered page: the one way a staff route sends HTML. */
export function sendHtml(reply: FastifyReply, status: number, page: VNode): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(renderScoped(reply.server, () => renderDocument(page)));
}
