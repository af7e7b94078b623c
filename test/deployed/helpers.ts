/** Runs a shipped pipeline as deployed: synthesized policies, the workdir as the bucket. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import type { Pipeline } from '../../infra/dsl';
import { STATE_MACHINE, type DeployedAccess } from '../../infra/local/deployed/access';
import {
  ACCESS_LOG_ENV,
  isAllowed,
  type AccessRequest,
  type LoggedRequest,
} from '../../infra/local/deployed/authorizer';
import { deployedAccessOf } from '../../infra/local/deployed/stack-template';
import type { LambdaHandlers } from '../../infra/local/handlers';
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

/**
 * `{}` (or the given input) as the console would start it. Every request the run's principals
 * make (the shard workers' and the training job's included) is read back from the access log.
 */
export async function runAsDeployed(
  name: string,
  access: DeployedAccess,
  input: JsonValue = {},
  /** Model operators need worker processes: onnxruntime-node's tensors do not take jest's typed arrays. */
  workerMode: 'in-process' | 'processes' = 'in-process',
  /** Handlers standing in for functions (each still runs under its function's role). */
  handlers: LambdaHandlers = {},
): Promise<RecordedRun> {
  const { pipeline, file } = loadShipped(name);
  const log = path.join(await mkdtemp(path.join(tmpdir(), 'vlmflow-access-')), 'requests.jsonl');
  process.env[ACCESS_LOG_ENV] = log;
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
      handlers: { plan: (event) => planWith(event as unknown as PlanEvent), ...handlers },
    });
    const logged = (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as LoggedRequest);
    const allowed = logged.filter((r) => r.allowed).map(({ allowed: _, ...request }) => request);
    return { result, allowed: unique(allowed) };
  } finally {
    delete process.env[ACCESS_LOG_ENV];
  }
}

/** One of each (principal, action, resource, context). */
export const unique = (requests: readonly AccessRequest[]): AccessRequest[] => [
  ...new Map(
    requests.map((r) => [JSON.stringify([r.principal, r.action, r.resource, r.context]), r]),
  ).values(),
];

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

/** Actions the local run never makes (CloudWatch Logs, X-Ray, Map Run bookkeeping, `.sync` polling). */
export const NOT_MADE_LOCALLY =
  /^(xray|logs|events):|^states:(Describe|Stop|Redrive)Execution$|^batch:(DescribeJobs|TerminateJob)$/;

/**
 * The statements of every role that no recorded request needs: without each of the others,
 * a request the run made is denied (so a run would fail with AccessDenied naming it).
 * Labelled `<principal> <actions>`; statements whose every action the local run never makes
 * are left out.
 */
export async function unneededStatements(
  access: DeployedAccess,
  requests: readonly AccessRequest[],
): Promise<string[]> {
  const unneeded: string[] = [];
  for (const ref of statementsOf(access)) {
    if (ref.actions.every((action) => NOT_MADE_LOCALLY.test(action))) continue;
    if (!(await firstDenied(withoutStatement(access, ref), requests)))
      unneeded.push(`${ref.principal} ${ref.actions.join(',')}`);
  }
  return unneeded;
}
