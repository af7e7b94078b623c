/**
 * Which handler answers a Lambda function name during a local run: a test's override, the
 * shard worker pool (or in-process shard handler) for shard functions, else the production
 * handler from core's function table; as deployed, each is checked under its role, and fault
 * injection wraps them all. One handler per function for the whole run.
 */
import type { JsonValue } from './asl';
import type { DeployedChecks } from './deployed/checks';
import type { FaultInjector } from './faults';
import {
  SHARD_ROLES,
  lazyProductionHandler,
  productionHandler,
  type LambdaHandlers,
} from './handlers';
import type { LambdaHandler } from './lambda-invoke';
import { roleOfFunction, type LambdaRole } from './substitute';
import { createShardWorkerPool, type ShardWorkerPool, type WorkerMode } from './workers';
import type { DeployedAccess } from './deployed/access';
import type { OperatorDeclaration } from '../../core/ops/operator';

export interface FunctionResolverOptions {
  readonly pipeline: {
    readonly name: string;
    readonly modulePath?: string;
    readonly operators?: readonly OperatorDeclaration[];
  };
  readonly handlers?: LambdaHandlers;
  readonly workerMode?: WorkerMode;
  readonly concurrency?: number;
  readonly asDeployed?: DeployedAccess;
  readonly deployed?: DeployedChecks;
  readonly faults?: FaultInjector;
}

export interface FunctionResolver {
  resolve(functionName: string): LambdaHandler | undefined;
  /** Stops the shard worker pool, if one started. */
  close(): Promise<void>;
}

export function createFunctionResolver(o: FunctionResolverOptions): FunctionResolver {
  let pool: ShardWorkerPool | undefined;
  const shardHandler = (role: LambdaRole): LambdaHandler => {
    const { modulePath, operators } = o.pipeline;
    if (modulePath) {
      pool ??= createShardWorkerPool({
        pipelineModule: modulePath,
        mode: o.workerMode,
        size: o.concurrency,
        ...(o.asDeployed ? { access: o.asDeployed } : {}),
      });
      const running = pool;
      return (event, control) => running.run(event as JsonValue, control, role);
    }
    if (!operators)
      throw new Error(
        `pipeline ${o.pipeline.name}: give modulePath or operators to run shard functions`,
      );
    const inProcess = productionHandler(role, operators);
    return o.deployed ? o.deployed.asFunction(role, inProcess) : inProcess;
  };
  const handlers = new Map<string, LambdaHandler>();
  const resolve = (functionName: string): LambdaHandler | undefined => {
    const role = roleOfFunction(functionName);
    if (!role) return undefined;
    let handler = handlers.get(role);
    if (!handler) {
      const given = o.handlers?.[role] ?? lazyProductionHandler(role, o.pipeline.operators);
      if (SHARD_ROLES.includes(role) && !o.handlers?.[role]) handler = shardHandler(role);
      else if (given) handler = o.deployed ? o.deployed.asFunction(role, given) : given;
    }
    if (handler && !handlers.has(role)) {
      if (o.faults) handler = o.faults.wrap(role, handler);
      handlers.set(role, handler);
    }
    return handler;
  };
  return { resolve, close: async () => pool?.close() };
}
