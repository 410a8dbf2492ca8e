// Gate simulator: seeded synthetic rollouts through the real AgentCanary with a simulated clock.
// Prints one JSON document: per scenario, our gates and the Python agent-canary rule side by side.
// Usage: npm run bench:gates [-- --runs 1000]   (progress goes to stderr, JSON to stdout)
import { GATE_SCENARIOS, PYTHON_RULE_GATES, runScenario, type ScenarioSummary } from '../src/simulator/gate-scenarios.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1000;
const rolloutRuns = Math.max(20, Math.round(runs / 10));
const configurations = [
  { gatesName: 'agent-canary (default gates)', gates: undefined },
  { gatesName: 'python agent-canary rule', gates: PYTHON_RULE_GATES },
];

const started = performance.now();
const table: ScenarioSummary[] = [];
for (const scenario of GATE_SCENARIOS) {
  for (const config of configurations) {
    const n = scenario.kind === 'rollout' ? rolloutRuns : runs;
    const t0 = performance.now();
    const summary = await runScenario(scenario, {
      ...config, runs: n,
      onRun: (done) => done % Math.max(1, Math.round(n / 4)) === 0 && process.stderr.write(`  ${scenario.name} / ${config.gatesName}: ${done}/${n}\n`),
    });
    process.stderr.write(`${scenario.name} / ${config.gatesName}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    table.push(summary);
  }
}

console.log(JSON.stringify({
  benchmark: 'gates',
  node: process.version,
  settings: { evaluateEvery: 10, canaryShare: '5 % (1 % where named)', baseErrorRate: 0.02, alpha: 0.05, maxCanaryRequests: 2000, latency: 'lognormal median 800 ms, sigma 0.6', runs, rolloutRuns },
  seconds: Math.round((performance.now() - started) / 100) / 10,
  table,
}, null, 2));
