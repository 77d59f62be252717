/**
 * The knowledge base the web surfaces serve, one per process. Evaluation is pure, so one validated
 * copy serves every request. It is the built-in content (content/pathways), loaded on first use
 * (a failed load is not cached: the next request tries again and fails loudly again, a 500 that
 * names no personal data), until a verified content pack is installed (ADR 0102, 0103); from
 * then on the pack's knowledge base serves, and a refused pack never replaces it.
 */
import { type KnowledgeBase, loadKnowledgeBase } from './content-loader.ts';
import type { PackInfo } from './content-pack.ts';

let loading: Promise<KnowledgeBase> | undefined;
let installed: { knowledgeBase: KnowledgeBase; pack: PackInfo } | undefined;

/** The knowledge base serving now: the installed content pack's, else the built-in content. */
export function getKnowledgeBase(): Promise<KnowledgeBase> {
  if (installed !== undefined) return Promise.resolve(installed.knowledgeBase);
  if (loading === undefined) {
    loading = loadKnowledgeBase();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** The content pack serving now, or undefined while the built-in content serves. */
export function servingContentPack(): PackInfo | undefined {
  return installed?.pack;
}

/** Serves a verified content pack's knowledge base from now on (content-pack.service.ts only). */
export function installContentPack(knowledgeBase: KnowledgeBase, pack: PackInfo): void {
  installed = { knowledgeBase, pack };
}

/** Back to the built-in content (tests). */
export function resetKnowledgeBase(): void {
  installed = undefined;
}
