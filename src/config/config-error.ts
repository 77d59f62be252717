/**
 * A configuration that cannot run, with the message an operator reads. Its own file so that the
 * per-area config files (audit, intake) can throw it without importing config.ts, which imports
 * them: that cycle broke start-up once a module imported an area file first (a TDZ error).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
