// Traces to an OpenTelemetry collector, metrics for Prometheus. The Python
// twin (instruments.py) exports the same spans and the same metric names.
//
// app.ts imports this module first: the SDK must patch node:http before
// Express creates its server, and ES modules run in import order.

// --8<-- [start:tracing]
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { NodeSDK } from "@opentelemetry/sdk-node";

// The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT; without it, spans are
// still propagated (traceparent) but not sent anywhere.
const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
export const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "telemetry-node",
  ...(exporting
    ? { traceExporter: new OTLPTraceExporter() }
    : { spanProcessors: [] }),
  // A server span per request (node:http), a client span per fetch (undici).
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
});
sdk.start();
// --8<-- [end:tracing]
