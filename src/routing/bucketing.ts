import { requireNonEmptyString, requireOneOf } from '../validation.ts';
import { Murmur3Prefix } from './murmur3.ts';
import { pythonMd5Fraction } from './python-md5-bucket.ts';

/**
 * How a sticky key is placed among the buckets:
 * - `murmur3`: MurmurHash3 x86_32 of `"{rolloutId}:{key}"` (UTF-8, seed 0), salted per rollout so
 *   each rollout picks different first canaries; integer buckets;
 * - `agent-canary-md5`: the Python `agent-canary` rule (unsalted MD5 of the key), for parity with
 *   users already bucketed by that library.
 */
export type Bucketing = 'murmur3' | 'agent-canary-md5';

/** Every valid {@link Bucketing}. */
export const BUCKETINGS: readonly Bucketing[] = ['murmur3', 'agent-canary-md5'];

/** Number of bucket positions: positions are in [0, BUCKET_COUNT), so 1 % of traffic is 100 buckets. */
export const BUCKET_COUNT = 10_000;

const TWO_POW_32 = 4294967296;

/** Options of {@link Bucketer}. */
export interface BucketerOptions {
  /** The hashing scheme. */
  readonly bucketing: Bucketing;
  /** Salts the `murmur3` hash (non-empty); required but unused by `agent-canary-md5`. */
  readonly rolloutId: string;
}

/**
 * Places keys in [0, 10000) and decides canary membership for one rollout. The single code path
 * for both the router and the cross-language fixture, so their answers cannot drift apart.
 */
export class Bucketer {
  /** The hashing scheme in use. */
  readonly bucketing: Bucketing;
  /** The rollout whose id salts the `murmur3` hash. */
  readonly rolloutId: string;
  private readonly _salted: Murmur3Prefix;

  /** @throws CanaryConfigError naming `rolloutId` or `bucketing` when invalid. */
  constructor(options: BucketerOptions) {
    this.rolloutId = requireNonEmptyString('rolloutId', options.rolloutId);
    this.bucketing = requireOneOf('bucketing', options.bucketing, BUCKETINGS);
    this._salted = new Murmur3Prefix(`${this.rolloutId}:`);
  }

  /**
   * The position of `key` in [0, 10000). `murmur3`: the integer
   * `floor(murmur3_32(rolloutId + ":" + key) * 10000 / 2^32)`. `agent-canary-md5`: the Python
   * fraction × 10000 — not an integer, and exact (the fraction has 32 significant bits), so
   * `position / 10000` gives the Python fraction back bit for bit.
   */
  bucketOf(key: string): number {
    return this.bucketOfHash(this.hashOf(key));
  }

  /**
   * The key's 32-bit unsigned hash: the salted murmur3 value, or the first 4 MD5 bytes (big-endian)
   * in `agent-canary-md5` mode. Its high bits place the key; its low bits sample units independently.
   */
  hashOf(key: string): number {
    return this.bucketing === 'murmur3' ? this._salted.hash(key) : pythonMd5Fraction(key) * TWO_POW_32;
  }

  /** The position in [0, 10000) of a key whose {@link hashOf} is `hash`. */
  bucketOfHash(hash: number): number {
    return this.bucketing === 'murmur3' ? Math.floor((hash * BUCKET_COUNT) / TWO_POW_32) : (hash / TWO_POW_32) * BUCKET_COUNT;
  }

  /**
   * Whether a key at `position` (from {@link bucketOf}) is on canary at `percent` (0..100).
   * `murmur3`: `position < percent * 100`. `agent-canary-md5`: exactly Python's
   * `fraction < percent / 100`, so parity holds at boundaries. Monotone in `percent`; 0 admits
   * nobody, 100 everybody; NaN admits nobody.
   */
  isCanaryBucket(position: number, percent: number): boolean {
    if (this.bucketing === 'murmur3') return position < percent * 100;
    return position / BUCKET_COUNT < percent / 100;
  }

  /** Whether `key` is on canary at `percent` (0..100): {@link isCanaryBucket} of {@link bucketOf}. */
  isCanary(key: string, percent: number): boolean {
    return this.isCanaryBucket(this.bucketOf(key), percent);
  }
}
