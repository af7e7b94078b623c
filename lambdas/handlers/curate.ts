/**
 * Curate: one shard through one segment of its stage (consecutive curate operators, fused into
 * one pass). Also the factory for any handler that runs operators over shards (caption uses it
 * with its own operators).
 */
import { BUILTIN_OPERATORS, registryFrom } from '../ops/index';
import type { OperatorDeclaration } from '../../core/ops/operator';
import {
  inFlightFromEnv,
  paceGcForSegment,
  paceGcForShards,
  useThreadsFor,
} from '../runtime/shard-runtime';
import type { ShardEvent, ShardResult } from '../../core/contracts';
import { runSegment } from './segment';

export interface ShardHandlerOptions {
  /** Samples in the chain at once. @default VLMFLOW_IN_FLIGHT, else 1 */
  readonly inFlight?: number;
}

export function createShardHandler(
  operators: readonly OperatorDeclaration[],
  options: ShardHandlerOptions = {},
): (event: ShardEvent) => Promise<ShardResult> {
  // Built once per container: the registry is shared by every shard this container runs.
  const registry = registryFrom(operators);
  const inFlight = options.inFlight ?? inFlightFromEnv();
  paceGcForShards();
  return (event) => {
    const segment = event.task.segments[event.segment];
    if (segment) paceGcForSegment(segment.fn);
    useThreadsFor(inFlight);
    return runSegment(event, registry, { inFlight });
  };
}

export const handler = createShardHandler(Object.values(BUILTIN_OPERATORS));
