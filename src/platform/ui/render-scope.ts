import type { FastifyInstance } from 'fastify';

/**
 * The app a page is being rendered for. Rendering is synchronous, so a component registered by
 * one module into another's page (e.g. the organisation's answers on a case page) can read its
 * app's state without threading it through every view: sendHtml sets it around the render.
 */
let current: FastifyInstance | undefined;

export function renderScoped<T>(app: FastifyInstance | undefined, render: () => T): T {
  const previous = current;
  current = app;
  try {
    return render();
  } finally {
    current = previous;
  }
}

/** The app whose page is being rendered, if any. */
export function renderingApp(): FastifyInstance | undefined {
  return current;
}
