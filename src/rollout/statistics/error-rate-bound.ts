/** Alternatives, as fractions of the tolerated rate, mixed with equal weights. */
const ALTERNATIVES = [0.1, 0.25, 0.5, 0.75] as const;

/**
 * Log e-value against "the error rate is at least `maxRate`", from `errors` among `requests`
 * observed sequentially: a mixture of likelihood ratios for rates `a · maxRate` (a in 0.1..0.75).
 * It is a nonnegative supermartingale under the null, so `logE ≥ ln(1/α)` at any time shows the rate
 * is below `maxRate` with error probability ≤ α (Ville). Depends on the counts only.
 */
export function errorRateBelowLogE(errors: number, requests: number, maxRate: number): number {
  const successes = requests - errors;
  if (requests <= 0 || !(maxRate > 0 && maxRate < 1)) return 0;
  let max = -Infinity;
  const terms = ALTERNATIVES.map((a) => {
    const p = a * maxRate;
    const term = Math.log(1 / ALTERNATIVES.length) + errors * Math.log(p / maxRate) + successes * Math.log((1 - p) / (1 - maxRate));
    if (term > max) max = term;
    return term;
  });
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}
