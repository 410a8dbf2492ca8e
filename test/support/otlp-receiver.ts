/**
 * An in-process OTLP/HTTP receiver for end-to-end tests: accepts POST /v1/traces|metrics|logs in JSON
 * or protobuf (optionally gzipped), and normalises both encodings into plain spans, metric points and
 * log records (hex ids, numbers, attributes folded into objects) so tests assert on one shape.
 * It can also answer slowly or with an error status, to play a struggling collector.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

/** Attributes after normalisation: `{ key: value }` with ints as numbers and arrays/maps unfolded. */
export type Attrs = Record<string, unknown>;

/** Where a span, point or record came from. */
export interface Origin {
  readonly resource: Attrs;
  readonly scope: { readonly name: string; readonly version?: string };
}

export interface ReceivedSpan extends Origin {
  readonly traceId: string;
  readonly spanId: string;
  /** `''` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP kind = API `SpanKind` + 1 (INTERNAL 1). */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Attrs;
  readonly events: readonly { readonly name: string; readonly attributes: Attrs }[];
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Attrs }[];
  /** `code` 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
}

export interface ReceivedMetricPoint extends Origin {
  readonly name: string;
  readonly unit: string;
  readonly type: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  readonly attributes: Attrs;
  /** Gauge and sum points. */
  readonly value?: number;
  readonly isMonotonic?: boolean;
  /** Histogram points. */
  readonly count?: number;
  readonly sum?: number;
  readonly explicitBounds?: readonly number[];
  readonly bucketCounts?: readonly number[];
}

export interface ReceivedLogRecord extends Origin {
  readonly eventName: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: unknown;
  readonly attributes: Attrs;
  readonly traceId: string;
  readonly spanId: string;
}

/** One request as received. */
export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly gzip: boolean;
}

/** How the receiver answers; changeable while running. */
export interface ReceiverBehaviour {
  /** Milliseconds to wait before answering. Default 0. */
  readonly delayMs?: number;
  /** HTTP status to answer with. Default 200 (an error status stores nothing). */
  readonly status?: number;
}

type Signal = 'traces' | 'metrics' | 'logs';

interface ProtoType {
  decode(body: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Raw;
}
// Loose view of a decoded OTLP document (JSON.parse or protobuf toObject).
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROTO_OPTIONS = { longs: String, bytes: String, enums: Number };

let protoTypes: Record<Signal, ProtoType> | undefined;

function protoTypeOf(signal: Signal): ProtoType {
  if (!protoTypes) {
    // 0.210.0 is the last otlp-transformer with generated protobufjs request decoders (CJS).
    const root = createRequire(import.meta.url)('otlp-proto-decoder/build/src/generated/root.js') as Raw;
    const collector = root['opentelemetry'].proto.collector;
    protoTypes = {
      traces: collector.trace.v1.ExportTraceServiceRequest,
      metrics: collector.metrics.v1.ExportMetricsServiceRequest,
      logs: collector.logs.v1.ExportLogsServiceRequest,
    };
  }
  return protoTypes[signal];
}

/** The receiver. Create with `OtlpReceiver.start()`; always `close()` it. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metricPoints: ReceivedMetricPoint[] = [];
  readonly logRecords: ReceivedLogRecord[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Bodies that could not be decoded (a test should expect none). */
  readonly errors: Error[] = [];
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:43127`. */
  readonly url: string;
  private readonly _server: Server;
  private _behaviour: ReceiverBehaviour;
  private readonly _pending = new Set<NodeJS.Timeout>();

  private constructor(server: Server, behaviour: ReceiverBehaviour) {
    this._server = server;
    this._behaviour = behaviour;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(behaviour: ReceiverBehaviour = {}): Promise<OtlpReceiver> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const receiver = new OtlpReceiver(server, behaviour);
    server.on('request', (req, res) => receiver._handle(req, res));
    return receiver;
  }

  /** Changes how later requests are answered. */
  setBehaviour(behaviour: ReceiverBehaviour): void {
    this._behaviour = behaviour;
  }

  /** Resolves once `predicate()` holds (checked every 20 ms); rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`OtlpReceiver.waitFor: condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Points of metric `name`. */
  points(name: string): ReceivedMetricPoint[] {
    return this.metricPoints.filter((p) => p.name === name);
  }

  /** Stops listening and drops open connections and delayed answers. */
  async close(): Promise<void> {
    for (const timer of this._pending) clearTimeout(timer);
    this._pending.clear();
    this._server.closeAllConnections();
    await new Promise<void>((resolve) => this._server.close(() => resolve()));
  }

  private _handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), gzip: req.headers['content-encoding'] === 'gzip' });
      const { delayMs = 0 } = this._behaviour;
      if (delayMs <= 0) return this._answer(req, res, Buffer.concat(chunks));
      const timer = setTimeout(() => {
        this._pending.delete(timer);
        this._answer(req, res, Buffer.concat(chunks));
      }, delayMs);
      this._pending.add(timer);
    });
  }

  private _answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const signal = /^\/v1\/(traces|metrics|logs)$/.exec(req.url ?? '')?.[1] as Signal | undefined;
    const contentType = String(req.headers['content-type'] ?? '');
    const proto = contentType.includes('protobuf');
    const { status = 200 } = this._behaviour;
    if (req.method !== 'POST' || !signal) return void res.writeHead(404).end();
    const gzip = req.headers['content-encoding'] === 'gzip';
    if (status !== 200) return void res.writeHead(status).end();
    try {
      const body = gzip ? gunzipSync(raw) : raw;
      const doc = proto ? protoTypeOf(signal).toObject(protoTypeOf(signal).decode(body), PROTO_OPTIONS) : (JSON.parse(body.toString('utf8')) as Raw);
      this._store(signal, doc, proto ? base64ToHex : (id: unknown) => (typeof id === 'string' ? id : ''));
    } catch (error) {
      this.errors.push(error as Error);
      return void res.writeHead(400).end();
    }
    res.writeHead(200, { 'content-type': proto ? 'application/x-protobuf' : 'application/json' }).end(proto ? undefined : '{}');
  }

  private _store(signal: Signal, doc: Raw, hex: (id: unknown) => string): void {
    if (signal === 'traces') this.spans.push(...normaliseSpans(doc, hex));
    else if (signal === 'metrics') this.metricPoints.push(...normaliseMetrics(doc));
    else this.logRecords.push(...normaliseLogs(doc, hex));
  }
}

function base64ToHex(id: unknown): string {
  return typeof id === 'string' ? Buffer.from(id, 'base64').toString('hex') : '';
}

function normaliseSpans(doc: Raw, hex: (id: unknown) => string): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of list(doc['resourceSpans'])) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of list(rs.scopeSpans)) {
      const scope = scopeOf(ss.scope);
      for (const s of list(ss.spans)) {
        out.push({
          resource, scope, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), name: s.name,
          kind: Number(s.kind ?? 0), startTimeUnixNano: String(s.startTimeUnixNano), endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: list(s.events).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
          links: list(s.links).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) })),
          status: { code: Number(s.status?.code ?? 0), ...(s.status?.message ? { message: s.status.message } : {}) },
        });
      }
    }
  }
  return out;
}

function normaliseMetrics(doc: Raw): ReceivedMetricPoint[] {
  const out: ReceivedMetricPoint[] = [];
  for (const rm of list(doc['resourceMetrics'])) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of list(rm.scopeMetrics)) {
      const scope = scopeOf(sm.scope);
      for (const m of list(sm.metrics)) {
        const base = { resource, scope, name: String(m.name), unit: String(m.unit ?? '') };
        for (const type of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const) {
          if (!m[type]) continue;
          for (const p of list(m[type].dataPoints)) out.push({ ...base, type, ...pointValues(p, m[type]) });
        }
      }
    }
  }
  return out;
}

function pointValues(p: Raw, data: Raw): Omit<ReceivedMetricPoint, keyof Origin | 'name' | 'unit' | 'type'> {
  const attributes = attrs(p.attributes);
  if (p.asDouble !== undefined || p.asInt !== undefined) {
    return { attributes, value: Number(p.asDouble ?? p.asInt), ...(data.isMonotonic !== undefined ? { isMonotonic: Boolean(data.isMonotonic) } : {}) };
  }
  return {
    attributes, count: Number(p.count ?? 0), sum: Number(p.sum ?? 0),
    explicitBounds: list(p.explicitBounds).map(Number), bucketCounts: list(p.bucketCounts).map(Number),
  };
}

function normaliseLogs(doc: Raw, hex: (id: unknown) => string): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = [];
  for (const rl of list(doc['resourceLogs'])) {
    const resource = attrs(rl.resource?.attributes);
    for (const sl of list(rl.scopeLogs)) {
      const scope = scopeOf(sl.scope);
      for (const r of list(sl.logRecords)) {
        out.push({
          resource, scope, eventName: String(r.eventName ?? ''), severityNumber: Number(r.severityNumber ?? 0),
          severityText: String(r.severityText ?? ''), body: anyValue(r.body), attributes: attrs(r.attributes),
          traceId: hex(r.traceId), spanId: hex(r.spanId),
        });
      }
    }
  }
  return out;
}

function scopeOf(scope: Raw | undefined): Origin['scope'] {
  return { name: String(scope?.name ?? ''), ...(scope?.version ? { version: String(scope.version) } : {}) };
}

function attrs(keyValues: unknown): Attrs {
  const out: Attrs = {};
  for (const kv of list(keyValues)) out[kv.key] = anyValue(kv.value);
  return out;
}

/** OTLP AnyValue → plain JS (int64 strings from protobuf become numbers). */
function anyValue(value: Raw | undefined | null): unknown {
  if (value === undefined || value === null) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return Boolean(value.boolValue);
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return list(value.arrayValue?.values).map(anyValue);
  if ('kvlistValue' in value) return attrs(value.kvlistValue?.values);
  return null;
}

function list(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}
