// Ports tests/test_metrics.py of the Python agent-canary v0.1.0 (mizcausevic-dev/agent-canary):
// VersionMetrics. Python percentiles p in 0..1 are 0..100 here; `total` is `samples`.
import { describe, expect, it } from 'vitest';
import { CanaryConfigError, ManualClock, VersionMetrics } from '../../src/index.ts';

function metrics(options: { clock?: ManualClock; windowMs?: number; windowSlots?: number } = {}): VersionMetrics {
  return new VersionMetrics({ version: 'v1.0.0', ...options });
}

describe('python parity: test_metrics.py', () => {
  it('test_empty_metrics_defaults — fixed: no samples reports successRate null and no latency (Python: 1.0 and p95 0.0)', () => {
    const m = metrics();
    const stats = m.snapshot();
    expect(stats.samples).toBe(0);
    expect(stats.successRate).toBeNull();
    expect(stats.latencyMs).toBeNull();
    expect(m.percentileMs(95)).toBeNull();
  });

  it('test_records_success_and_failure', () => {
    const m = metrics();
    m.record({ success: true, latencyMs: 100 });
    m.record({ success: true, latencyMs: 200 });
    m.record({ success: false, latencyMs: 500 });
    const stats = m.snapshot();
    expect(stats).toMatchObject({ samples: 3, successes: 2, failures: 1 });
    expect(Math.abs((stats.successRate ?? Number.NaN) - 2 / 3)).toBeLessThan(1e-9);
  });

  it('test_percentiles', () => {
    const m = metrics();
    for (let i = 0; i < 100; i++) m.record({ success: true, latencyMs: i });
    const { latencyMs } = m.snapshot();
    expect(latencyMs?.p50).toBeGreaterThanOrEqual(49);
    expect(latencyMs?.p50).toBeLessThanOrEqual(51);
    expect(latencyMs?.p95).toBeGreaterThanOrEqual(94);
    expect(latencyMs?.p95).toBeLessThanOrEqual(96);
    expect(latencyMs?.p99).toBeGreaterThanOrEqual(98);
    expect(latencyMs?.p99).toBeLessThanOrEqual(100);
    expect(m.percentileMs(95)).toBe(latencyMs?.p95);
  });

  it('test_invalid_percentile (Python 2.0 and -0.1 are 200 and -10 here)', () => {
    const m = metrics();
    expect(() => m.percentileMs(200)).toThrow(CanaryConfigError);
    expect(() => m.percentileMs(-10)).toThrow(CanaryConfigError);
  });

  it('test_window_size_caps_latencies — adapted: the recent window is time-based (windowMs), not a count of latencies', () => {
    const clock = new ManualClock();
    const m = metrics({ clock, windowMs: 10_000, windowSlots: 10 });
    for (let i = 0; i < 40; i++) m.record({ success: true, latencyMs: i });
    clock.advance(10_000);
    for (let i = 40; i < 50; i++) m.record({ success: true, latencyMs: i });
    // Counters track every call; the window drops the old latencies.
    expect(m.snapshot().samples).toBe(50);
    expect(m.windowSnapshot().samples).toBe(10);
    const p50 = m.percentileMs(50, { window: true });
    expect(p50).toBeGreaterThanOrEqual(40);
    expect(p50).toBeLessThanOrEqual(50);
  });

  it('test_snapshot', () => {
    const m = metrics();
    m.record({ success: true, latencyMs: 100 });
    const snap = m.snapshot();
    expect(snap.samples).toBe(1);
    expect(snap.successRate).toBe(1);
    // HDR histograms keep 2 significant digits by default: within 1 % of the recorded 100 ms.
    expect(snap.latencyMs?.p95).toBeGreaterThanOrEqual(99);
    expect(snap.latencyMs?.p95).toBeLessThanOrEqual(101);
  });
});
