/**
 * A collector that is down or too slow must cost the application nothing but dropped telemetry: calls
 * complete and never throw, the gates keep counting, memory stays bounded (the batch span processor
 * drops beyond its queue), and shutdown still resolves.
 */
import { createServer } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { Stage } from '../../src/rollout/stage.ts';
import { startCanaryTelemetry } from '../../src/setup/index.ts';
import { OtlpReceiver } from '../support/otlp-receiver.ts';
import { resetOtelGlobals } from '../support/otel-globals.ts';

const CALLS = 5_000;
/**
 * Every call ends 3 spans (agent, tool, third-party): 15,000 spans, over 7× the queue. A finished span
 * retains about 1 kB, so keeping them all costs ~14 MB above the no-SDK baseline (measured with an
 * unbounded queue) while a full 2,048-span queue costs ~2–3 MB. The bound sits between, with room for
 * GC noise.
 */
const MAX_EXTRA_HEAP_BYTES = 8 * 1024 * 1024;
const ENV_KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function newCanary(): AgentCanary {
  return new AgentCanary({
    rolloutId: 'support-agent-v1.1', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0',
    rollout: new Rollout({ stages: [new Stage({ percent: 50 }), new Stage({ percent: 100 })] }),
  });
}

/** Runs the calls; returns how many resolved with the function's value and how many threw. */
async function invokeMany(canary: AgentCanary): Promise<{ ok: number; threw: number }> {
  let ok = 0;
  let threw = 0;
  for (let i = 0; i < CALLS; i++) {
    try {
      const answer = await canary.invoke({ key: `user-${i}`, agent: 'support' }, async (version) =>
        withTool('search', async () => {
          trace.getTracer('third-party-http').startActiveSpan('GET /kb', (span) => span.end());
          return `answer from ${version}`;
        }));
      if (answer.startsWith('answer from agent-v1.')) ok++;
    } catch {
      threw++;
    }
  }
  return { ok, threw };
}

/** Heap used after a full GC: what is retained. */
function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a collector that is down or slow', () => {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  let baselineGrowth = 0;

  beforeAll(async () => {
    // The same calls with no SDK at all: what the canary itself retains.
    const before = retainedHeap();
    const canary = newCanary();
    expect(await invokeMany(canary)).toEqual({ ok: CALLS, threw: 0 });
    baselineGrowth = retainedHeap() - before;
    expect(canary.status().canary.samples).toBeGreaterThan(0);
  });

  afterEach(() => {
    resetOtelGlobals();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  async function runAgainst(endpoint: string): Promise<void> {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = endpoint;
    process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = '300';
    delete process.env['OTEL_EXPORTER_OTLP_PROTOCOL'];
    const before = retainedHeap();
    const canary = newCanary();
    const telemetry = startCanaryTelemetry({ serviceName: 'fault-test', canaries: [canary], resourceDetectors: [] });
    expect(await invokeMany(canary)).toEqual({ ok: CALLS, threw: 0 });
    // Measured while the pipeline is alive and its span queue is as full as it gets.
    const growth = retainedHeap() - before;
    const status = canary.status();
    expect(status.stable.samples + status.canary.samples, 'the gates still count every call').toBe(CALLS);
    expect(growth - baselineGrowth).toBeLessThan(MAX_EXTRA_HEAP_BYTES);
    await expect(telemetry.forceFlush()).resolves.toBeUndefined();
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  }

  it('connection refused: calls complete, memory bounded, shutdown resolves', async () => {
    await runAgainst(`http://127.0.0.1:${await closedPort()}`);
  });

  it('answers slower than the exporter timeout: calls complete, memory bounded, shutdown resolves', async () => {
    const receiver = await OtlpReceiver.start({ delayMs: 60_000 });
    try {
      await runAgainst(receiver.url);
      expect(receiver.requests.length, 'the exporter did reach the slow collector').toBeGreaterThan(0);
      expect(receiver.spans, 'nothing was answered in time').toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
