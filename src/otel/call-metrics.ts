import { createNoopMeter, metrics, type Attributes, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import {
  ATTR_CANARY_ROLE,
  ATTR_CANARY_ROLLOUT_ID,
  ATTR_CANARY_VERSION,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_OUTCOME,
  EXECUTE_TOOL_DURATION_BUCKETS,
  INSTRUMENTATION_SCOPE,
  INVOKE_AGENT_DURATION_BUCKETS,
  METRIC_CANARY_INVOCATIONS,
  METRIC_CANARY_TOKENS,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
} from './semconv.ts';

/** Options of `CallMetrics`. */
export interface CallMetricsOptions {
  /** Where the instruments live. Default: the global meter provider, looked up at each record. */
  readonly meterProvider?: MeterProvider;
}

/** What a call is: an agent invocation or a tool execution. */
export type CallKind = 'agent' | 'tool';

/**
 * The frozen metric attribute objects of one (kind, rollout, version, role, name, error type) series.
 * Only low-cardinality values: never the sticky key, a conversation id or a tool call id.
 */
export interface CallAttributeSet {
  /** For the duration histogram and the invocation counter. */
  readonly call: Attributes;
  /** For the token counter, `gen_ai.token.type=input`. */
  readonly inputTokens: Attributes;
  /** For the token counter, `gen_ai.token.type=output`. */
  readonly outputTokens: Attributes;
}

interface Instruments {
  readonly agentDuration: Histogram;
  readonly toolDuration: Histogram;
  readonly invocations: Counter;
  readonly tokens: Counter;
}

/** What the API's no-op meter hands out: instruments from a provider that records nothing. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('agent-canary.noop-probe');

/** Bound on cached attribute sets; beyond it the cache restarts (the SDK bounds series on its side). */
const MAX_CACHED_SETS = 1024;
const SUCCESS_KEY = '';

type ByError = Map<string, CallAttributeSet>;
type ByName = Map<string, ByError>;
type ByRole = Map<string, ByName>;
type ByVersion = Map<string, ByRole>;
type ByRollout = Map<string, ByVersion>;

/**
 * The per-call metrics: `gen_ai.invoke_agent.duration` and `gen_ai.execute_tool.duration` histograms
 * (seconds, GenAI bucket advice), `canary.invocations.total` by `outcome` and `canary.tokens.total`
 * by `gen_ai.token.type`. Instruments are created once per meter provider; with the global provider
 * they are re-created when the global registration changes, so a processor constructed before
 * `NodeSDK.start()` still reports. Attribute objects are cached per series so a call allocates none.
 */
export class CallMetrics {
  private readonly _meterProvider: MeterProvider | undefined;
  private _boundProvider: MeterProvider | undefined;
  private _instruments: Instruments | undefined;
  private readonly _sets: Record<CallKind, ByRollout> = { agent: new Map(), tool: new Map() };
  private _cachedSets = 0;

  constructor(options: CallMetricsOptions = {}) {
    this._meterProvider = options.meterProvider;
  }

  /**
   * False while the meter provider is the API's no-op one (no metrics SDK registered): records would
   * be discarded, so callers skip building their attributes. Re-checked on every read, as a global
   * provider can be registered at any time.
   */
  get enabled(): boolean {
    return this._bind().agentDuration !== NOOP_HISTOGRAM;
  }

  /**
   * The cached attribute set of a series. `name` is the agent or tool name (`''` when unknown: the
   * attribute is left out). `errorType` is `undefined` for a successful call; when defined, the call
   * counts as `outcome=error` and carries `error.type`.
   */
  attributesFor(
    kind: CallKind, rolloutId: string, version: string, role: string, name: string, errorType: string | undefined,
  ): CallAttributeSet {
    const byError = level(level(level(level(this._sets[kind], rolloutId), version), role), name);
    const errorKey = errorType ?? SUCCESS_KEY;
    let set = byError.get(errorKey);
    if (set === undefined) {
      set = buildAttributeSet(kind, rolloutId, version, role, name, errorType);
      this._remember(byError, errorKey, set);
    }
    return set;
  }

  /**
   * Records one finished agent invocation. Non-finite or negative durations and token counts are
   * skipped (the canary's own statistics count them as rejected).
   */
  recordAgent(set: CallAttributeSet, seconds: number, inputTokens: number | undefined, outputTokens: number | undefined): void {
    const instruments = this._bind();
    if (seconds >= 0 && seconds !== Infinity) instruments.agentDuration.record(seconds, set.call);
    instruments.invocations.add(1, set.call);
    if (isCount(inputTokens)) instruments.tokens.add(inputTokens, set.inputTokens);
    if (isCount(outputTokens)) instruments.tokens.add(outputTokens, set.outputTokens);
  }

  /** Records one finished tool execution (duration only: tool calls are not invocations). */
  recordTool(set: CallAttributeSet, seconds: number): void {
    if (seconds >= 0 && seconds !== Infinity) this._bind().toolDuration.record(seconds, set.call);
  }

  private _bind(): Instruments {
    const provider = this._meterProvider ?? metrics.getMeterProvider();
    if (provider !== this._boundProvider || this._instruments === undefined) {
      this._instruments = createInstruments(provider);
      this._boundProvider = provider;
    }
    return this._instruments;
  }

  private _remember(byError: ByError, errorKey: string, set: CallAttributeSet): void {
    if (this._cachedSets >= MAX_CACHED_SETS) {
      this._sets.agent.clear();
      this._sets.tool.clear();
      this._cachedSets = 0;
    }
    byError.set(errorKey, set);
    this._cachedSets++;
  }
}

function level<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let next = map.get(key);
  if (next === undefined) {
    next = new Map();
    map.set(key, next);
  }
  return next;
}

function createInstruments(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  return {
    agentDuration: meter.createHistogram(METRIC_GEN_AI_INVOKE_AGENT_DURATION, {
      unit: 's',
      description: 'Duration of agent invocations, until the last chunk of the response or an error.',
      advice: { explicitBucketBoundaries: [...INVOKE_AGENT_DURATION_BUCKETS] },
    }),
    toolDuration: meter.createHistogram(METRIC_GEN_AI_EXECUTE_TOOL_DURATION, {
      unit: 's',
      description: 'Duration of tool executions.',
      advice: { explicitBucketBoundaries: [...EXECUTE_TOOL_DURATION_BUCKETS] },
    }),
    invocations: meter.createCounter(METRIC_CANARY_INVOCATIONS, {
      unit: '{invocation}',
      description: 'Agent invocations by outcome.',
    }),
    tokens: meter.createCounter(METRIC_CANARY_TOKENS, {
      unit: '{token}',
      description: 'Tokens used by agent invocations, by token type.',
    }),
  };
}

function buildAttributeSet(
  kind: CallKind, rolloutId: string, version: string, role: string, name: string, errorType: string | undefined,
): CallAttributeSet {
  const call: Attributes = {
    [ATTR_CANARY_ROLLOUT_ID]: rolloutId,
    [ATTR_CANARY_VERSION]: version,
    [ATTR_CANARY_ROLE]: role,
    [ATTR_OUTCOME]: errorType === undefined ? 'success' : 'error',
  };
  if (name !== '') call[kind === 'agent' ? ATTR_GEN_AI_AGENT_NAME : ATTR_GEN_AI_TOOL_NAME] = name;
  if (errorType !== undefined) call[ATTR_ERROR_TYPE] = errorType;
  return Object.freeze({
    call: Object.freeze(call),
    inputTokens: Object.freeze({ ...call, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' }),
    outputTokens: Object.freeze({ ...call, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' }),
  });
}

function isCount(value: number | undefined): value is number {
  return value !== undefined && value > 0 && value !== Infinity;
}
