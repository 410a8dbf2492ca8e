import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';

/** Unregisters every OpenTelemetry global, so the next test can start its own SDK. */
export function resetOtelGlobals(): void {
  trace.disable();
  metrics.disable();
  logs.disable();
  propagation.disable();
  context.disable();
}
