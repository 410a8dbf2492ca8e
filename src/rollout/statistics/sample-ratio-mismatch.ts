/** Input of {@link sampleRatioMismatch}, in randomization units (users, conversations or requests). */
export interface SampleRatioMismatchInput {
  /** Units routed to the canary. */
  readonly canaryUnits: number;
  /** Units routed to either version. */
  readonly totalUnits: number;
  /** The configured canary share, in (0, 1). */
  readonly expectedShare: number;
}

/**
 * How the p-value was computed: `exact` two-sided binomial (fewer than 1 000 units), `chi-square`
 * (1 df), or `none` when the test does not apply (share outside (0, 1), no units, or counts that are
 * not integers with 0 ≤ canary ≤ total); `pValue` is then 1.
 */
export type SampleRatioMismatchMethod = 'exact' | 'chi-square' | 'none';

/** Result of {@link sampleRatioMismatch}. */
export interface SampleRatioMismatchResult {
  /** Pearson χ² = z², z = (n_c − Nπ)/√(Nπ(1 − π)); 0 when the test does not apply. */
  readonly chiSquare: number;
  /** Two-sided p-value; alert below 0.001 (reference §7). */
  readonly pValue: number;
  /** canaryUnits / totalUnits (0 without units). */
  readonly observedShare: number;
  readonly expectedShare: number;
  /** totalUnits. */
  readonly units: number;
  readonly method: SampleRatioMismatchMethod;
}

/** Below this many units the exact binomial tail is cheap and the χ² approximation is poor. */
const EXACT_BELOW_UNITS = 1000;
/** Outcomes whose probability ties the observed one within rounding count as "as extreme" (as R's binom.test). */
const TIE_TOLERANCE = 1e-7;

/**
 * Sample-ratio-mismatch check (reference §7): is the observed canary share of units compatible with
 * the configured share under binomial assignment? A small p-value means routing or telemetry is
 * broken (lost events, biased assignment), so comparisons between the arms cannot be trusted.
 * Count units, not requests, under sticky routing. Never throws.
 */
export function sampleRatioMismatch(input: SampleRatioMismatchInput): SampleRatioMismatchResult {
  const { canaryUnits, totalUnits, expectedShare } = input;
  const observedShare = totalUnits > 0 ? canaryUnits / totalUnits : 0;
  const base = { observedShare, expectedShare, units: totalUnits };
  if (!isTestable(input)) return { ...base, chiSquare: 0, pValue: 1, method: 'none' };
  const expected = totalUnits * expectedShare;
  const chiSquare = (canaryUnits - expected) ** 2 / (expected * (1 - expectedShare));
  return totalUnits < EXACT_BELOW_UNITS
    ? { ...base, chiSquare, pValue: exactBinomialPValue(canaryUnits, totalUnits, expectedShare), method: 'exact' }
    : { ...base, chiSquare, pValue: erfc(Math.sqrt(chiSquare / 2)), method: 'chi-square' };
}

function isTestable({ canaryUnits, totalUnits, expectedShare }: SampleRatioMismatchInput): boolean {
  return expectedShare > 0 && expectedShare < 1 && Number.isSafeInteger(totalUnits) && totalUnits > 0
    && Number.isSafeInteger(canaryUnits) && canaryUnits >= 0 && canaryUnits <= totalUnits;
}

/**
 * Two-sided exact binomial p-value: the total probability of every outcome no more likely than the
 * observed one. Probabilities stay in log space (the pmf underflows for large n).
 */
export function exactBinomialPValue(successes: number, trials: number, p: number): number {
  const logPmf = binomialLogPmf(trials, p);
  const observed = logPmf[successes]!;
  const cutoff = observed + Math.log1p(TIE_TOLERANCE);
  let sum = 0;
  for (const logP of logPmf) if (logP <= cutoff) sum += Math.exp(logP - observed);
  return Math.min(1, sum * Math.exp(observed));
}

/** ln P(K = k) for k = 0..n, by the ratio recurrence P(k)/P(k − 1) = (n − k + 1)/k · p/(1 − p). */
function binomialLogPmf(n: number, p: number): Float64Array {
  const logPmf = new Float64Array(n + 1);
  const logOdds = Math.log(p) - Math.log1p(-p);
  logPmf[0] = n * Math.log1p(-p);
  for (let k = 1; k <= n; k++) logPmf[k] = logPmf[k - 1]! + Math.log((n - k + 1) / k) + logOdds;
  return logPmf;
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 1969
// (SPECFUN CALERF), coefficients written as the nearest doubles: relative error below 1e-15.
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315] as const;
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171] as const;
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
] as const;
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
] as const;
const P = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097] as const;
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918] as const;
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
/** erfc underflows to 0 beyond this argument. */
const ERFC_UNDERFLOW = 26.543;

/** The complementary error function erfc(x) = 1 − erf(x), accurate to ~1e-15 relative (Cody). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - x * erfSmall(y * y);
  const tail = y <= 4 ? erfcMiddle(y) : erfcLarge(y);
  return x < 0 ? 2 - tail : tail;
}

function erfSmall(ySquared: number): number {
  let numerator = A[4] * ySquared;
  let denominator = ySquared;
  for (let i = 0; i < 3; i++) {
    numerator = (numerator + A[i]!) * ySquared;
    denominator = (denominator + B[i]!) * ySquared;
  }
  return (numerator + A[3]) / (denominator + B[3]);
}

function erfcMiddle(y: number): number {
  let numerator = C[8] * y;
  let denominator = y;
  for (let i = 0; i < 7; i++) {
    numerator = (numerator + C[i]!) * y;
    denominator = (denominator + D[i]!) * y;
  }
  return expMinusSquare(y) * ((numerator + C[7]) / (denominator + D[7]));
}

function erfcLarge(y: number): number {
  if (y >= ERFC_UNDERFLOW) return 0;
  const inverseSquare = 1 / (y * y);
  let numerator = P[5] * inverseSquare;
  let denominator = inverseSquare;
  for (let i = 0; i < 4; i++) {
    numerator = (numerator + P[i]!) * inverseSquare;
    denominator = (denominator + Q[i]!) * inverseSquare;
  }
  const correction = (inverseSquare * (numerator + P[4])) / (denominator + Q[4]);
  return expMinusSquare(y) * ((ONE_OVER_SQRT_PI - correction) / y);
}

/** exp(−y²) without the rounding error of squaring y: split y at a multiple of 1/16 (Cody). */
function expMinusSquare(y: number): number {
  const head = Math.trunc(y * 16) / 16;
  const rest = (y - head) * (y + head);
  return Math.exp(-head * head) * Math.exp(-rest);
}
