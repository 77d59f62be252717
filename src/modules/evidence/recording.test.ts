import { describe, expect, it } from 'vitest';
import { sniffRecording } from './recording.ts';

/** Recordings are typed by their first bytes only: names and the browser's claim do not count. */
const pad = (head: Buffer | string) =>
  Buffer.concat([Buffer.from(head as string, 'latin1'), Buffer.alloc(32, 7)]);

describe('the type of a recorded interview, by its magic bytes', () => {
  it.each([
    [pad(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')])), 'audio/wav'],
    [pad('OggS'), 'audio/ogg'],
    [pad('fLaC'), 'audio/flac'],
    [pad('ID3\x04'), 'audio/mpeg'],
    [pad(Buffer.from([0xff, 0xfb, 0x90, 0x64])), 'audio/mpeg'],
    [pad(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), 'video/webm'],
    [pad('\0\0\0\x20ftypM4A '), 'audio/mp4'],
    [pad('\0\0\0\x20ftypisom'), 'video/mp4'],
    [pad('\0\0\0\x14ftypqt  '), 'video/quicktime'],
  ])('knows %#', (data, type) => {
    expect(sniffRecording(data)).toBe(type);
  });

  it.each([
    ['a JPEG', pad(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))],
    ['a PDF', pad('%PDF-1.7')],
    ['a shell script named .mp3', pad('#!/bin/sh\nrm -rf /')],
    [
      'RIFF that is not WAVE (AVI)',
      pad(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI ')])),
    ],
    ['a reserved MPEG layer', pad(Buffer.from([0xff, 0xf9, 0x90, 0x64]))],
    ['too short', Buffer.from('OggS')],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s', (_name, data) => {
    expect(sniffRecording(data)).toBeUndefined();
  });
});
