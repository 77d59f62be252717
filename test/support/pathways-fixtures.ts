/**
 * Test helpers for the pathways module: a profile factory and a cached knowledge base.
 * Not imported by production code.
 */
import { type KnowledgeBase, loadKnowledgeBase } from '../../src/modules/pathways/content-loader.ts';
import {
  type Profile,
  type ProfileInput,
  profileSchema,
} from '../../src/modules/pathways/pathways.schemas.ts';

/** The fixed evaluation day used by tests, so passport validity never depends on the clock. */
export const testToday = '2026-11-22';

/** Builds a validated profile: a Russian citizen in Russia with no documents, unless overridden. */
export function buildProfile(overrides: Partial<ProfileInput> = {}): Profile {
  return profileSchema.parse({
    citizenship: 'RU',
    applicantType: 'other',
    location: 'RU',
    documents: [],
    language: 'en',
    ...overrides,
  });
}

let cached: Promise<KnowledgeBase> | undefined;

/** Loads the repository's knowledge base once per test file. */
export function loadTestKnowledgeBase(): Promise<KnowledgeBase> {
  cached ??= loadKnowledgeBase();
  return cached;
}
