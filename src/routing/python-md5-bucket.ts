import { hash } from 'node:crypto';

const TWO_POW_32 = 4294967296;

/**
 * The Python `agent-canary` bucket of `key`: the first 4 bytes of MD5(UTF-8 key) read big-endian,
 * divided by 2^32 — `int(hashlib.md5(key.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000`,
 * bit-for-bit the same double. Unsalted, as in Python, so it is only for parity with deployments
 * already bucketed by that library. `""` is a valid key.
 *
 * @returns a fraction in [0, 1).
 */
export function pythonMd5Fraction(key: string): number {
  // A hex digest is the cheapest output of node:crypto: a Buffer digest costs more than MD5 itself.
  return Number.parseInt(hash('md5', key, 'hex').slice(0, 8), 16) / TWO_POW_32;
}
