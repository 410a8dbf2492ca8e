import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Murmur3Prefix, murmur3_32 } from '../../src/routing/murmur3.ts';

/** Textbook MurmurHash3 x86_32 over a byte buffer: the independent reference for the UTF-8 streaming version. */
function referenceMurmur3(bytes: Uint8Array, seed = 0): number {
  const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
  const scramble = (k: number): number => Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  let h = seed | 0;
  const whole = bytes.length - (bytes.length % 4);
  for (let i = 0; i < whole; i += 4) {
    const k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) | 0;
    h = (Math.imul(rotl(h ^ scramble(k), 13), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= whole; i--) tail = (tail << 8) | bytes[i]!;
  if (bytes.length > whole) h ^= scramble(tail);
  h ^= bytes.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Strings of arbitrary UTF-16 code units, so lone and paired surrogates both occur. */
const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyUnicode = fc.string({ unit: 'binary', maxLength: 40 });

describe('murmur3_32', () => {
  it.each([
    ['foo', 0, 4138058784],
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
  ])('hashes %j with seed %d to the published value %d', (text, seed, expected) => {
    expect(murmur3_32(text, seed)).toBe(expected);
  });

  it('reproduces the Unleash rollout vectors (murmur3(groupId:userId) % 100 + 1)', () => {
    expect((murmur3_32('gr1:123') % 100) + 1).toBe(73);
    expect((murmur3_32('groupX:999') % 100) + 1).toBe(25);
  });

  it.each([
    'Zoë', 'naïve-café', '用户-42', 'ユーザー', 'пользователь-7', 'مستخدم', '🦊', 'team-🚀-42', 'a🦊bc', 'ab€', '\u0000\u007f\u0080\u07ff\u0800\uffff',
  ])('hashes non-ASCII %j exactly like its UTF-8 bytes', (text) => {
    expect(murmur3_32(text)).toBe(referenceMurmur3(utf8(text)));
  });

  it('encodes lone surrogates as U+FFFD, like TextEncoder and Buffer', () => {
    for (const text of ['\ud800', 'a\udc00b', '\ud83d', '\ud83dx', '\ude00\ud83d', 'x\ud83d\ud83d\ude00']) {
      expect(murmur3_32(text)).toBe(referenceMurmur3(new TextEncoder().encode(text)));
      expect(murmur3_32(text)).toBe(referenceMurmur3(utf8(text)));
    }
    expect(murmur3_32('\ud800')).toBe(murmur3_32('\ufffd'));
  });

  it('equals the byte-level reference for arbitrary strings and seeds', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, anyUnicode, fc.string()), fc.integer({ min: 0, max: 0xffffffff }), (text, seed) => {
        expect(murmur3_32(text, seed)).toBe(referenceMurmur3(utf8(text), seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const hash = murmur3_32(text);
        return Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32;
      }),
    );
  });
});

describe('Murmur3Prefix', () => {
  it('hashes prefix + text without concatenating, for any prefix, text and seed', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, anyUnicode), fc.oneof(anyUtf16, anyUnicode), fc.integer({ min: 0, max: 0xffffffff }), (prefix, text, seed) => {
        expect(new Murmur3Prefix(prefix, seed).hash(text)).toBe(murmur3_32(prefix + text, seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('joins a surrogate pair split between the prefix and the text', () => {
    const prefix = new Murmur3Prefix('rollout:\ud83e');
    expect(prefix.hash('\udd8a')).toBe(murmur3_32('rollout:🦊'));
    expect(prefix.hash('\udd8a')).not.toBe(murmur3_32('rollout:\ufffd\ufffd'));
  });

  it('is unaffected by hashes computed in between (shared scratch state)', () => {
    const prefix = new Murmur3Prefix('support-agent-v1.1:');
    const before = prefix.hash('user-42');
    murmur3_32('something else entirely, with ü and 🚀');
    new Murmur3Prefix('other:').hash('abc');
    expect(prefix.hash('user-42')).toBe(before);
    expect(before).toBe(referenceMurmur3(utf8('support-agent-v1.1:user-42')));
  });
});
