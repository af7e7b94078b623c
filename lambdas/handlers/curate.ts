/**
 * Curate: one shard through one segment of its stage (consecutive curate operators, fused into
 * one pass). Also the factory for any handler that runs operators over shards (caption uses it
 * with its own operators).
 */
import { BUILTIN_OPERATORS, registryFrom } from '../ops/index';
import type { OperatorDeclaration } from '../../core/ops/operator';
import type { ShardEvent, ShardResult } from '../../core/contracts';
import { runSegment } from './segment';

export function createShardHandler(
  operators: readonly OperatorDeclaration[],
): (event: ShardEvent) => Promise<ShardResult> {
  // Built once per container: the registry is shared by every shard this container runs.
  const registry = registryFrom(operators);
  return (event) => runSegment(event, registry);
}

export const handler = createShardHandler(Object.values(BUILTIN_OPERATORS));
