/**
 * Which code answers each Lambda function locally: the production handler its row of core's
 * function table names (core/functions.ts), loaded on first call. Rows with a factory (plan,
 * the shard functions) are built from the pipeline's operators when the runner has them; the
 * shard functions go through the worker pool instead when it has the pipeline's module. Tests
 * replace any of them.
 */
import * as path from 'node:path';
import {
  LAMBDA_FUNCTIONS,
  LAMBDA_FUNCTION_NAMES,
  handlerModule,
  type LambdaFunctionName,
  type LambdaFunctionSpec,
} from '../../core/functions';
import type { OperatorDeclaration } from '../../core/ops/operator';
import type { LambdaHandler } from './lambda-invoke';
import type { LambdaRole } from './substitute';

export type LambdaHandlers = Partial<Record<LambdaRole, LambdaHandler>>;

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

type PlainHandler = (event: unknown) => Promise<unknown>;

/**
 * The function's handler: its module's `handler`, or with `operators` the one its factory
 * builds from them. Loaded by path from the table, so the local runner imports no handler
 * module (and nothing under lambdas/) until a run calls it.
 */
export function productionHandler(
  name: LambdaFunctionName,
  operators?: readonly OperatorDeclaration[],
): PlainHandler {
  const { factory } = LAMBDA_FUNCTIONS[name] as LambdaFunctionSpec;
  // require, not import(): the project's TS is CommonJS throughout (tsx's hook, ts-jest).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(PROJECT_ROOT, handlerModule(name))) as Record<string, unknown>;
  const built =
    factory && operators
      ? (mod[factory] as (operators: readonly OperatorDeclaration[]) => PlainHandler)(operators)
      : (mod.handler as PlainHandler);
  if (typeof built !== 'function')
    throw new Error(`${handlerModule(name)}: no ${factory && operators ? factory : 'handler'}`);
  return built;
}

/** A LambdaHandler that loads the production handler on its first event. */
export function lazyProductionHandler(
  name: LambdaFunctionName,
  operators?: readonly OperatorDeclaration[],
): LambdaHandler {
  let handler: PlainHandler | undefined;
  // The handlers validate their events at runtime; the event crosses the JSON boundary as is.
  return (event) => (handler ??= productionHandler(name, operators))(event);
}

/** Functions that run operators over shards (the worker pool runs them locally). */
export const SHARD_ROLES: readonly LambdaRole[] = LAMBDA_FUNCTION_NAMES.filter(
  (name) => LAMBDA_FUNCTIONS[name].runsShards,
);
