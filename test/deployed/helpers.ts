/** Runs a shipped pipeline as deployed: synthesized policies, the workdir as the bucket. */
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import type { Pipeline } from '../../infra/dsl';
import { STATE_MACHINE, type DeployedAccess } from '../../infra/local/deployed/access';
import {
  isAllowed,
  onAccessRequest,
  type AccessRequest,
} from '../../infra/local/deployed/authorizer';
import { deployedAccessOf } from '../../infra/local/deployed/stack-template';
import { runLocal, type RunLocalResult } from '../../infra/local/runner';
import { modelAssetsOf } from '../../infra/cdk/model-assets';
import { createPlanHandler } from '../../lambdas/handlers/plan';
import type { PlanEvent } from '../../core/contracts';
import type { JsonValue } from '../../infra/compiler/asl';

export const PIPELINES_DIR = path.resolve(__dirname, '..', '..', 'pipelines');

export function loadShipped(name: string): { pipeline: Pipeline; file: string } {
  const file = path.join(PIPELINES_DIR, `${name}.ts`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { pipeline: (require(file) as { default: Pipeline }).default, file };
}

export function accessFor(name: string, bucketFolder: string): DeployedAccess {
  const { pipeline, file } = loadShipped(name);
  return deployedAccessOf(pipeline, file, `file://${bucketFolder}`);
}

export interface RecordedRun {
  readonly result: RunLocalResult;
  /** Every request the run made and was allowed, as the principal made it. */
  readonly allowed: readonly AccessRequest[];
}

/** `{}` (or the given input) as the console would start it, in-process so requests are seen. */
export async function runAsDeployed(
  name: string,
  access: DeployedAccess,
  input: JsonValue = {},
  /**
   * In-process (the default) records the shard functions' requests too; model operators need
   * worker processes, as onnxruntime-node's tensors do not take jest's typed arrays.
   */
  workerMode: 'in-process' | 'processes' = 'in-process',
): Promise<RecordedRun> {
  const { pipeline, file } = loadShipped(name);
  const allowed: AccessRequest[] = [];
  onAccessRequest((request, ok) => {
    if (ok) allowed.push(request);
  });
  const planWith = createPlanHandler(pipeline.operators);
  try {
    const result = await runLocal({
      definition: compile(pipeline.graph).definition,
      pipeline: { name: pipeline.name, modulePath: file },
      dataRoot: access.bucketFolder,
      input,
      executionName: 'deployed',
      workerMode,
      concurrency: 2,
      asDeployed: access,
      modelAssets: modelAssetsOf(pipeline.graph, path.resolve(__dirname, '..', '..')),
      handlers: { plan: (event) => planWith(event as unknown as PlanEvent) },
    });
    return { result, allowed };
  } finally {
    onAccessRequest(undefined);
  }
}

export interface StatementRef {
  readonly principal: string;
  readonly policy: string;
  readonly index: number;
  readonly actions: readonly string[];
}

/** Every statement of every principal's identity policies. */
export function statementsOf(access: DeployedAccess): StatementRef[] {
  return Object.entries(access.principals).flatMap(([principal, role]) =>
    role.policies.flatMap((p) =>
      p.policy.Statement.map((statement, index) => ({
        principal,
        policy: p.name,
        index,
        actions: ([] as string[]).concat(statement.Action),
      })),
    ),
  );
}

export function withoutStatement(access: DeployedAccess, ref: StatementRef): DeployedAccess {
  const role = access.principals[ref.principal]!;
  return {
    ...access,
    principals: {
      ...access.principals,
      [ref.principal]: {
        ...role,
        policies: role.policies.map((p) =>
          p.name === ref.policy
            ? {
                ...p,
                policy: {
                  ...p.policy,
                  Statement: p.policy.Statement.filter((_, i) => i !== ref.index),
                },
              }
            : p,
        ),
      },
    },
  };
}

/** The first recorded request that the access without the statement denies. */
export async function firstDenied(
  access: DeployedAccess,
  requests: readonly AccessRequest[],
): Promise<AccessRequest | undefined> {
  for (const request of requests) if (!(await isAllowed(access, request))) return request;
  return undefined;
}

export { STATE_MACHINE };
