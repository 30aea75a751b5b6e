import { InputEncodingError, InputTooLargeError } from '../errors';

/**
 * The largest input of each kind. A release manifest does not grow with the cluster (a few KB for a real one);
 * an inventory has a line per node, so 4 MiB is room for 10,000 nodes with long service lists. A 5 MB manifest
 * used to take 6–11 s and ~625 MB of memory to reject; now it is refused before it is read.
 */
export const MAX_INPUT_BYTES: Readonly<Record<string, number>> = { manifest: 1024 * 1024, inventory: 4 * 1024 * 1024 };
const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

export function maxInputBytes(kind: string): number {
  return MAX_INPUT_BYTES[kind] ?? DEFAULT_MAX_INPUT_BYTES;
}

/** Refuses a file of `bytes` bytes before reading it when it is over its kind's limit. */
export function assertInputSize(kind: string, file: string, bytes: number): void {
  const limit = maxInputBytes(kind);
  if (bytes > limit) throw new InputTooLargeError(kind, file, bytes, limit);
}

/**
 * The bytes of an input file as text. UTF-8 only (YAML 1.2 also allows UTF-16, but an editor that wrote UTF-16
 * did so by accident, and half the tools around a manifest would misread it): a UTF-8 byte order mark is
 * dropped; UTF-16, NUL bytes and broken sequences are refused with what was found.
 */
export function decodeInputText(kind: string, file: string, bytes: Uint8Array): string {
  assertInputSize(kind, file, bytes.length);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) throw new InputEncodingError(kind, file, 'is UTF-16 little-endian (it starts with the byte order mark FF FE), not UTF-8');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) throw new InputEncodingError(kind, file, 'is UTF-16 big-endian (it starts with the byte order mark FE FF), not UTF-8');
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputEncodingError(kind, file, `contains NUL bytes (the first at byte ${nul + 1}), so it is not UTF-8 text — UTF-16 without a byte order mark?`);
  const invalid = firstInvalidUtf8(bytes);
  if (invalid >= 0) {
    const line = bytes.subarray(0, invalid).reduce((lines, byte) => (byte === 0x0a ? lines + 1 : lines), 1);
    throw new InputEncodingError(kind, file, `is not valid UTF-8 (line ${line}, byte ${invalid + 1}: ${hex(bytes.subarray(invalid, invalid + 3))})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // also catches overlong and surrogate encodings
  } catch {
    throw new InputEncodingError(kind, file, 'is not valid UTF-8');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Offset of the first byte that does not start or continue a UTF-8 sequence of the right shape; -1 when none. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let j = 1; j < length; j += 1) if ((bytes[i + j]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
