import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;

let loaded: Promise<Sharp> | undefined;

/**
 * sharp (libvips), loaded on first use: it costs about 0.1 s of start-up in every process (CLI
 * commands, test files) that never touches an image. Its process-wide cache of decoded pixels
 * is turned off before anyone uses it: a witness's photo is not kept in memory after its request.
 */
export function loadSharp(): Promise<Sharp> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}
