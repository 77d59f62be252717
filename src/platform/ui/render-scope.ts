import type { FastifyInstance } from 'fastify';

/**
 * A value visible only while a page renders. Rendering is synchronous, so a component deep in
 * a page (or registered by another module into it) can read the value set around that one
 * render, without threading it through every view, and nothing leaks into another render.
 */
export function renderScope<T>() {
  let current: T | undefined;
  return {
    run<R>(value: T | undefined, render: () => R): R {
      const previous = current;
      current = value;
      try {
        return render();
      } finally {
        current = previous;
      }
    },
    current: (): T | undefined => current,
  };
}

/** The app a page is rendered for (sendHtml sets it): e.g. the organisation's answers on a case page. */
const appScope = renderScope<FastifyInstance>();
export const renderScoped = appScope.run;
export const renderingApp = appScope.current;
