/**
 * Recorded interviews (issue 16 item 1): audio and video files are kept as evidence items
 * exactly as they arrived, never transcoded or parsed. Their type is decided by their first
 * bytes (magic numbers), not by the name or the browser's claim; anything else is refused.
 */
const ascii = (data: Buffer, at: number, text: string) =>
  data.length >= at + text.length && data.subarray(at, at + text.length).toString('latin1') === text;

/** The media type of a recording by its magic bytes, or undefined if it is not one we keep. */
export function sniffRecording(data: Buffer): string | undefined {
  if (data.length < 12) return undefined;
  if (ascii(data, 0, 'RIFF') && ascii(data, 8, 'WAVE')) return 'audio/wav';
  if (ascii(data, 0, 'OggS')) return 'audio/ogg';
  if (ascii(data, 0, 'fLaC')) return 'audio/flac';
  if (ascii(data, 0, 'ID3')) return 'audio/mpeg';
  if (data[0] === 0x1a && data[1] === 0x45 && data[2] === 0xdf && data[3] === 0xa3) return 'video/webm';
  if (ascii(data, 4, 'ftyp')) {
    const brand = data.subarray(8, 12).toString('latin1');
    if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
    if (brand === 'qt  ') return 'video/quicktime';
    return 'video/mp4';
  }
  // An MPEG audio frame without an ID3 tag: 11 sync bits, MPEG version and layer not reserved.
  const b1 = data[1]!;
  if (data[0] === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) !== 0)
    return 'audio/mpeg';
  return undefined;
}

/** The file extension a recording gets in a bundle. */
export const RECORDING_EXTENSIONS: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'video/webm': 'webm',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
};
