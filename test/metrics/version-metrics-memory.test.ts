import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { VersionMetrics } from '../../src/metrics/version-metrics.ts';
import { seededRandom } from '../support/seeded-data.ts';

// Exposes a real garbage collector in this worker, so retained sizes are measured, not guessed.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus typed-array backing stores (HDR counts live off-heap), after full collections. */
function retainedBytes(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const TOOLS = ['search', 'fetch', 'calculator'];
const BUDGET_BYTES = 150 * 1024;

/** Feeds `n` calls spread over `spanMs` of clock time: agent invocations plus tool calls on 3 tools. */
function feed(m: VersionMetrics, clock: ManualClock, options: { n: number; spanMs: number; seed: number }): void {
  const random = seededRandom(options.seed);
  const stepMs = options.spanMs / options.n;
  for (let i = 0; i < options.n; i++) {
    const latencyMs = Math.exp(Math.log(800) + 2 * (random() - 0.5));
    const tool = i % 4 === 3 ? TOOLS[i % 3] : undefined;
    m.record({ success: random() > 0.01, latencyMs, inputTokens: 900, outputTokens: 120, costUsd: 0.001, tool, scores: { quality: random() } });
    clock.advance(stepMs);
  }
}

describe('VersionMetrics memory', () => {
  it('stays within 150 KB per version with a full window and 3 tools', () => {
    const count = 100;
    const clock = new ManualClock();
    // Warm-up: compiled code and the shared merge scratch are per process, not per version.
    feed(new VersionMetrics({ version: 'warm-up', clock }), clock, { n: 2_000, spanMs: 400_000, seed: 1 });
    const before = retainedBytes();
    const versions = Array.from({ length: count }, (_, i) => new VersionMetrics({ version: `v${i}`, clock }));
    // Every window slot and every tool gets data, so all histograms exist.
    for (const m of versions) feed(m, clock, { n: 2_000, spanMs: 400_000, seed: 1 });
    for (const m of versions) m.windowSnapshot();
    const perVersion = (retainedBytes() - before) / count;
    expect(versions.every((m) => Object.keys(m.snapshot().tools).length === TOOLS.length)).toBe(true);
    expect(perVersion).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('does not grow with the number of samples (1,000,000 recorded)', () => {
    const clock = new ManualClock();
    const m = new VersionMetrics({ version: 'v1', clock });
    feed(m, clock, { n: 20_000, spanMs: 400_000, seed: 2 });
    // Both reads allocate their process-wide merge scratch once; do that before measuring.
    m.windowSnapshot();
    m.snapshot();
    const before = retainedBytes();
    feed(m, clock, { n: 1_000_000, spanMs: 3_600_000, seed: 3 });
    const stats = m.windowSnapshot();
    const growth = retainedBytes() - before;
    expect(m.snapshot().samples + Object.values(m.snapshot().tools).reduce((s, t) => s + t.samples, 0)).toBe(1_020_000);
    expect(stats.samples).toBeGreaterThan(0);
    // Per-sample state would retain >= 1 MB here, and a histogram (~14 KB) kept per window rotation
    // (one every 60 s, 60 in this hour) ~840 KB. 64 KB leaves room for heap noise (compiled code).
    expect(growth).toBeLessThan(64 * 1024);
  });
});
