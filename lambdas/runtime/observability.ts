/**
 * Structured logs and metrics (Powertools for AWS Lambda) around a plain handler. Only the
 * Lambda entries the CDK app generates use it (infra/cdk/handler-entries.ts): the handlers stay
 * plain functions of their event, and the local runner calls them without this layer.
 *
 * Logs: one JSON line per invocation (Powertools adds cold start and request id; we add the
 * duration and, for shard tasks, the counts),
 * and the error with its stack when the handler throws. Metrics (EMF, namespace from
 * POWERTOOLS_METRICS_NAMESPACE): per shard task SamplesIn / SamplesKept / SamplesRejected and
 * ShardsProcessed; HandlerFailures for any function. Dimensions: pipeline, function, and stage
 * where there is one (bounded: stage names are declared in the pipeline).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

export type PlainHandler<E, R> = (event: E) => Promise<R>;
export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export interface ObservabilityOptions {
  readonly pipeline: string;
  /** The stage function's name: plan, curate, caption, finalize, mix, summary. */
  readonly functionName: string;
  /** @default new Logger (service name from POWERTOOLS_SERVICE_NAME) */
  readonly logger?: Logger;
  /** @default new Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE) */
  readonly metrics?: Metrics;
}

/** The counts a shard task returns (ShardResult); read structurally to keep handlers untouched. */
interface ShardCounts {
  readonly stage: string;
  readonly shard: string;
  readonly in: number;
  readonly kept: number;
  readonly rejected: Readonly<Record<string, number>>;
}

export function withObservability<E, R>(
  handler: PlainHandler<E, R>,
  options: ObservabilityOptions,
): LambdaHandler<E, R> {
  const logger = options.logger ?? new Logger();
  const metrics = options.metrics ?? new Metrics();
  logger.appendKeys({ pipeline: options.pipeline, function: options.functionName });
  metrics.setDefaultDimensions({ pipeline: options.pipeline, function: options.functionName });

  return async (event, context) => {
    logger.addContext(context);
    const started = Date.now();
    try {
      const result = await handler(event);
      const counts = shardCountsOf(result);
      if (counts) {
        metrics.addDimension('stage', counts.stage);
        metrics.addMetric('ShardsProcessed', MetricUnit.Count, 1);
        metrics.addMetric('SamplesIn', MetricUnit.Count, counts.in);
        metrics.addMetric('SamplesKept', MetricUnit.Count, counts.kept);
        metrics.addMetric('SamplesRejected', MetricUnit.Count, counts.in - counts.kept);
      }
      logger.info('handler succeeded', {
        durationMs: Date.now() - started,
        ...(counts && { shard: counts }),
      });
      return result;
    } catch (error) {
      metrics.addMetric('HandlerFailures', MetricUnit.Count, 1);
      logger.error('handler failed', {
        durationMs: Date.now() - started,
        error: error instanceof Error ? error : String(error),
      });
      throw error;
    } finally {
      // Control functions (plan, finalize …) usually record none; publishing an empty buffer
      // only logs a warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

function shardCountsOf(result: unknown): ShardCounts | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Partial<Record<keyof ShardCounts, unknown>>;
  return typeof r.stage === 'string' &&
    typeof r.shard === 'string' &&
    typeof r.in === 'number' &&
    typeof r.kept === 'number' &&
    typeof r.rejected === 'object' &&
    r.rejected !== null
    ? (result as ShardCounts)
    : undefined;
}
