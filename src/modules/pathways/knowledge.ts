/**
 * The knowledge base, loaded once per process for the web surfaces. Evaluation is pure and the
 * content only changes with a deployment, so one validated copy serves every request; a failed
 * load is not cached, so the next request tries again (and fails loudly again if the content is
 * broken: PathwaysContentError, a 500 that names no personal data).
 */
import { type KnowledgeBase, loadKnowledgeBase } from './content-loader.ts';

let loading: Promise<KnowledgeBase> | undefined;

/** The repository's knowledge base (content/pathways), validated, loaded on first use. */
export function getKnowledgeBase(): Promise<KnowledgeBase> {
  if (loading === undefined) {
    loading = loadKnowledgeBase();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
