import { CanaryConfigError } from '../../errors.ts';

const UINT32_RANGE = 4_294_967_296;

/**
 * A small deterministic pseudo-random generator (xoshiro128**, seeded through splitmix32) for tests
 * and the simulator: the same seed always yields the same sequence, on every platform. Not
 * cryptographic. Uniform draws have 32-bit resolution.
 */
export class SeededRandom {
  private _s0: number;
  private _s1: number;
  private _s2: number;
  private _s3: number;
  /** Box–Muller yields normals in pairs; the second one waits here. */
  private _spareNormal: number | null = null;

  /** @param seed any finite number; its integer part (up to 2^53) selects the sequence. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new CanaryConfigError('seed', 'a finite number', seed);
    const whole = Math.trunc(seed);
    let state = (whole >>> 0) ^ Math.imul(Math.floor(whole / UINT32_RANGE) >>> 0, 0x9e3779b9);
    const nextSeedWord = (): number => {
      state = (state + 0x9e3779b9) | 0;
      return splitmix32(state);
    };
    this._s0 = nextSeedWord();
    this._s1 = nextSeedWord();
    this._s2 = nextSeedWord();
    this._s3 = nextSeedWord();
  }

  /** A uniform draw in [0, 1). */
  next(): number {
    const result = Math.imul(rotateLeft(Math.imul(this._s1, 5), 7), 9);
    const t = this._s1 << 9;
    this._s2 ^= this._s0;
    this._s3 ^= this._s1;
    this._s1 ^= this._s2;
    this._s0 ^= this._s3;
    this._s2 ^= t;
    this._s3 = rotateLeft(this._s3, 11);
    return (result >>> 0) / UINT32_RANGE;
  }

  /** A standard normal draw (mean 0, standard deviation 1), by the Box–Muller transform. */
  normal(): number {
    if (this._spareNormal !== null) {
      const spare = this._spareNormal;
      this._spareNormal = null;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this._spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A lognormal draw: `exp(mu + sigma · normal())`, so `exp(mu)` is the median. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** True with probability `p` (p ≤ 0 never, p ≥ 1 always). */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /**
   * The number of successes in `n` independent trials of probability `p`. Exact; costs
   * O(n·min(p, 1 − p) + 1) draws by skipping geometric gaps between successes.
   * @throws CanaryConfigError when `n` is not a non-negative safe integer or `p` is outside [0, 1].
   */
  binomial(n: number, p: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new CanaryConfigError('n', 'a non-negative integer', n);
    if (!(p >= 0 && p <= 1)) throw new CanaryConfigError('p', 'a probability in [0, 1]', p);
    return p > 0.5 ? n - this._rareSuccesses(n, 1 - p) : this._rareSuccesses(n, p);
  }

  private _rareSuccesses(n: number, p: number): number {
    if (p === 0) return 0;
    const logFailure = Math.log1p(-p);
    let successes = 0;
    let position = 0;
    for (;;) {
      position += Math.floor(Math.log(1 - this.next()) / logFailure) + 1;
      if (position > n) return successes;
      successes++;
    }
  }
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

function splitmix32(state: number): number {
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}
