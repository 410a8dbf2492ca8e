import { describe, expect, it } from 'vitest';
import { CanaryRouter } from '../../src/routing/router.ts';

const router = (): CanaryRouter => new CanaryRouter({ rolloutId: 'r', stable: 'v1', canary: 'v2', percent: 20 });

describe('router exposure (units for the sample-ratio check)', () => {
  it('counts distinct keys once, sampling about 1 in 8, with the canary share of the traffic percent', () => {
    const r = router();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 24_000; i++) r.route(`user-${i}`);
    const { canaryUnits, totalUnits } = r.exposure;
    expect(totalUnits).toBeGreaterThan(24_000 / 8 - 4 * Math.sqrt(24_000 / 8));
    expect(totalUnits).toBeLessThan(24_000 / 8 + 4 * Math.sqrt(24_000 / 8));
    const sigma = Math.sqrt(totalUnits * 0.2 * 0.8);
    expect(Math.abs(canaryUnits - 0.2 * totalUnits)).toBeLessThan(4.5 * sigma);
  });

  it('counts every keyless request, skips overrides, and resets when the traffic changes', () => {
    const r = new CanaryRouter({ rolloutId: 'r', stable: 'v1', canary: 'v2', percent: 20, overrides: [{ keys: ['vip'], role: 'canary' }] });
    for (let i = 0; i < 100; i++) r.route();
    for (let i = 0; i < 100; i++) r.route('vip');
    expect(r.exposure.totalUnits).toBe(100);
    r.setTraffic({ percent: 20, stageIndex: 0 });
    expect(r.exposure.totalUnits).toBe(100);
    r.setTraffic({ percent: 50, stageIndex: 1 });
    expect(r.exposure).toEqual({ canaryUnits: 0, totalUnits: 0 });
  });
});
