const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const REPLACEMENT_CHARACTER = 0xfffd;

/**
 * The running state of one hash: `[hash, pending block, bits in the pending block, byte length]`.
 * Module-level so the hot path allocates nothing; safe because hashing is synchronous and calls
 * no user code, so two hashes never interleave.
 */
const state = new Int32Array(4);
const HASH = 0;
const BLOCK = 1;
const BLOCK_BITS = 2;
const BYTE_LENGTH = 3;

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `text`, as an unsigned 32-bit integer.
 *
 * Identical to Python `mmh3.hash(text, seed, signed=False)` and to hashing
 * `Buffer.from(text, 'utf8')`: code points are encoded to UTF-8 on the fly (surrogate pairs
 * combined, lone surrogates encoded as U+FFFD like `TextEncoder`), so nothing is allocated.
 *
 * @param text the string to hash.
 * @param seed the 32-bit seed (default 0); other values are reduced modulo 2^32.
 * @returns an integer in [0, 2^32).
 */
export function murmur3_32(text: string, seed = 0): number {
  startState(seed);
  absorb(text);
  return finish();
}

/**
 * {@link murmur3_32} of `prefix + text` for a fixed prefix, without building the concatenation:
 * the prefix is hashed once. Used for salted keys (`"{rolloutId}:{key}"`) on the routing hot path.
 */
export class Murmur3Prefix {
  /** The prefix every hashed text is appended to. */
  readonly prefix: string;
  private readonly _prefixState: Int32Array;
  /** A trailing high surrogate could pair with the text's first character, so it cannot be hashed ahead. */
  private readonly _mustConcatenate: boolean;
  private readonly _seed: number;

  /** @param seed the 32-bit seed (default 0). */
  constructor(prefix: string, seed = 0) {
    this.prefix = prefix;
    this._seed = seed;
    const last = prefix.charCodeAt(prefix.length - 1);
    this._mustConcatenate = last >= 0xd800 && last <= 0xdbff;
    startState(seed);
    absorb(prefix);
    this._prefixState = state.slice();
  }

  /** Equals `murmur3_32(prefix + text, seed)`. */
  hash(text: string): number {
    if (this._mustConcatenate) return murmur3_32(this.prefix + text, this._seed);
    state.set(this._prefixState);
    absorb(text);
    return finish();
  }
}

function startState(seed: number): void {
  state[HASH] = seed;
  state[BLOCK] = 0;
  state[BLOCK_BITS] = 0;
  state[BYTE_LENGTH] = 0;
}

/** Feeds the UTF-8 bytes of `text` into `state`, mixing every completed 4-byte block. */
function absorb(text: string): void {
  let hash = state[HASH] as number;
  let block = state[BLOCK] as number;
  let blockBits = state[BLOCK_BITS] as number;
  let byteLength = state[BYTE_LENGTH] as number;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    if (blockBits === 0 && i + 3 < length) {
      // Fast path: four ASCII characters are exactly one block.
      const block4 = asciiBlock(text, i);
      if (block4 !== -1) {
        hash = mixBlock(hash, block4);
        byteLength += 4;
        i += 3;
        continue;
      }
    }
    let codePoint = text.charCodeAt(i);
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      codePoint = surrogateCodePoint(text, i);
      if (codePoint > 0xffff) i++;
    }
    const count = utf8Length(codePoint);
    const bytes = utf8Bytes(codePoint);
    byteLength += count;
    for (let b = 0; b < count; b++) {
      block |= ((bytes >>> (b * 8)) & 0xff) << blockBits;
      blockBits += 8;
      if (blockBits === 32) {
        hash = mixBlock(hash, block);
        block = 0;
        blockBits = 0;
      }
    }
  }
  state[HASH] = hash;
  state[BLOCK] = block;
  state[BLOCK_BITS] = blockBits;
  state[BYTE_LENGTH] = byteLength;
}

/** Mixes the pending tail bytes and the length into the hash and returns it unsigned. */
function finish(): number {
  let hash = state[HASH] as number;
  if ((state[BLOCK_BITS] as number) > 0) hash ^= scramble(state[BLOCK] as number);
  return fmix32(hash ^ (state[BYTE_LENGTH] as number)) >>> 0;
}

/** `text[i..i+3]` as one little-endian block when all four are ASCII, else -1. */
function asciiBlock(text: string, i: number): number {
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1);
  const c2 = text.charCodeAt(i + 2);
  const c3 = text.charCodeAt(i + 3);
  if ((c0 | c1 | c2 | c3) >= 0x80) return -1;
  return c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
}

/** The code point starting at the surrogate `text[i]`, or U+FFFD when it is not a valid pair. */
function surrogateCodePoint(text: string, i: number): number {
  const high = text.charCodeAt(i);
  if (high > 0xdbff) return REPLACEMENT_CHARACTER;
  const low = text.charCodeAt(i + 1);
  if (!(low >= 0xdc00 && low <= 0xdfff)) return REPLACEMENT_CHARACTER;
  return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** The UTF-8 bytes of `codePoint` packed first-byte-lowest, so they can be shifted out in order. */
function utf8Bytes(codePoint: number): number {
  if (codePoint < 0x80) return codePoint;
  if (codePoint < 0x800) return (0xc0 | (codePoint >>> 6)) | ((0x80 | (codePoint & 0x3f)) << 8);
  if (codePoint < 0x10000) {
    return (0xe0 | (codePoint >>> 12)) | ((0x80 | ((codePoint >>> 6) & 0x3f)) << 8) | ((0x80 | (codePoint & 0x3f)) << 16);
  }
  return (0xf0 | (codePoint >>> 18))
    | ((0x80 | ((codePoint >>> 12) & 0x3f)) << 8)
    | ((0x80 | ((codePoint >>> 6) & 0x3f)) << 16)
    | ((0x80 | (codePoint & 0x3f)) << 24);
}

function scramble(block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixBlock(hash: number, block: number): number {
  let h = hash ^ scramble(block);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
