/**
 * What runs a shard Lambda (curate, caption) inside a pool worker, or in-process: builds the
 * shard handler from the pipeline module's operators once per worker (a warm container) and
 * returns results and errors as plain data, so an error's name (what Retry/Catch match on)
 * survives the trip across threads or processes.
 */
import type { JsonValue } from './asl';
import type { DeployedAccess, PrincipalName } from './deployed/access';
import { runAs } from './deployed/authorizing-storage';
import type { OperatorDeclaration } from '../../core/ops/operator';
import { productionHandler } from './handlers';

export interface ShardJob {
  /** Absolute path of the pipeline module (default export: a Pipeline with `.operators`). */
  readonly pipelineModule: string;
  readonly event: JsonValue;
  /** As deployed: the stack's permissions, and the function whose role the shard runs under. */
  readonly deployed?: { readonly access: DeployedAccess; readonly principal: PrincipalName };
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ShardJobResult =
  | { readonly ok: true; readonly result: JsonValue }
  | { readonly ok: false; readonly error: SerializedError };

type ShardHandler = (event: unknown) => Promise<unknown>;
const handlers = new Map<string, Promise<ShardHandler>>();

function operatorsOf(exported: unknown, modulePath: string): readonly OperatorDeclaration[] {
  const operators = (exported as { operators?: unknown } | undefined)?.operators;
  if (!Array.isArray(operators))
    throw new Error(`${modulePath}: default export has no operators (expected a Pipeline)`);
  return operators as readonly OperatorDeclaration[];
}

async function handlerFor(pipelineModule: string): Promise<ShardHandler> {
  let handler = handlers.get(pipelineModule);
  if (!handler) {
    // require, not import(): in a worker only tsx's CommonJS hook is registered, and the
    // project's TS is CommonJS throughout.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(pipelineModule) as { default?: unknown };
    // curate and caption share one module and factory (core/functions.ts): the segment in the
    // event says which operators run.
    handler = Promise.resolve(
      productionHandler('curate', operatorsOf(mod.default, pipelineModule)),
    );
    handlers.set(pipelineModule, handler);
  }
  return handler;
}

export async function runShardJob(job: ShardJob): Promise<ShardJobResult> {
  try {
    const handler = await handlerFor(job.pipelineModule);
    const run = () => handler(job.event);
    const { deployed } = job;
    const result = await (deployed ? runAs(deployed.access, deployed.principal, run) : run());
    return { ok: true, result: JSON.parse(JSON.stringify(result ?? null)) as JsonValue };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return { ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
  }
}

export function errorFrom(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
