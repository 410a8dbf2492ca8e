/**
 * Smoke test of examples/basic.ts: runs it as `npm run example` does, in a child process, once on the
 * embedded defaults and once against an in-process OTLP receiver standing in for a collector.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../support/otlp-receiver.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = resolve(ROOT, 'node_modules/.bin/node');
const DECISION_LINE = /^\s*\+\d+ s\s+(promote|complete|rollback)\s+(\d+)% → (\d+)%\s+\S/gm;

interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example with the parent's environment minus every `OTEL_*` variable, plus `extraEnv`. */
function runExample(extraEnv: Record<string, string> = {}): Promise<ExampleRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  const child = spawn(NODE, ['--conditions=agent-canary-source', 'examples/basic.ts'], { cwd: ROOT, env: { ...env, ...extraEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function decisionsIn(stdout: string): { action: string; from: number; to: number }[] {
  return [...stdout.matchAll(DECISION_LINE)].map((m) => ({ action: m[1] ?? '', from: Number(m[2]), to: Number(m[3]) }));
}

/** Samples in one version's summary row (version, role, samples, success %, p95), or undefined without one. */
function samplesIn(stdout: string, version: string, role: string): number | undefined {
  const match = new RegExp(`^${version.replaceAll('.', '\\.')}\\s+${role}\\s+(\\d+)\\s+[\\d.]+ %\\s+[\\d.]+$`, 'm').exec(stdout);
  return match ? Number(match[1]) : undefined;
}

describe('examples/basic.ts', () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('finishes on its own, prints decisions, the summary of both versions and a tagged span', async () => {
    const run = await runExample();

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const decisions = decisionsIn(run.stdout);
    expect(decisions.length).toBeGreaterThanOrEqual(1);
    for (const d of decisions) expect(d.action === 'rollback' ? d.to === 0 : d.to > d.from).toBe(true);
    expect(samplesIn(run.stdout, 'agent-v1.0.0', 'stable')).toBeGreaterThan(0);
    expect(samplesIn(run.stdout, 'agent-v1.1.0', 'canary')).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^final state: (completed|rolled_back), canary traffic \d+%$/m);
    expect(run.stdout).toContain('canary.version = "agent-v1.1.0"');
    expect(run.stdout).toContain('canary.role = "canary"');
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT, exports the decisions it printed and canary-tagged spans', async () => {
    receiver = await OtlpReceiver.start();
    const run = await runExample({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });

    expect(run.code).toBe(0);
    expect(receiver.errors).toEqual([]);
    const printed = decisionsIn(run.stdout).map((d) => d.action);
    expect(printed.length).toBeGreaterThanOrEqual(1);
    const exported = receiver.spans.filter((s) => s.name === 'canary.decision').map((s) => s.attributes['canary.decision.action']);
    expect(exported).toEqual(printed);
    expect(receiver.logRecords.filter((r) => r.eventName === 'canary.decision')).toHaveLength(printed.length);
    const agentSpans = receiver.spans.filter((s) => s.name === 'invoke_agent support');
    const versions = new Set(agentSpans.map((s) => s.attributes['canary.version']));
    expect(versions).toEqual(new Set(['agent-v1.0.0', 'agent-v1.1.0']));
    expect(receiver.points('canary.invocations.total').length).toBeGreaterThan(0);
  });
});
