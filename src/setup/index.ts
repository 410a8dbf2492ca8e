/**
 * Entry `agent-canary/setup`: a ready NodeSDK + OTLP/HTTP pipeline with the canary wiring. Optional: it
 * needs the OpenTelemetry SDK packages (`@opentelemetry/sdk-node` and the OTLP exporters) installed.
 */
export { startCanaryTelemetry } from './start-canary-telemetry.ts';
export type { CanaryTelemetry, CanaryTelemetryOptions, OtlpHttpProtocol } from './start-canary-telemetry.ts';
