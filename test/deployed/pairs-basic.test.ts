/**
 * pairs-basic as deployed: started with `{}` as the console would, every handler under its
 * function's role from `cdk synth`, the state machine under its own. It must succeed with the
 * real policies, and every statement must matter: without it, a request the run made is denied
 * (and a run then fails with AccessDenied naming action and resource).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DeployedAccess } from '../../infra/local/deployed/access';
import type { AccessRequest } from '../../infra/local/deployed/authorizer';
import { makeSampleShards } from '../fixtures/sample-shards';
import {
  STATE_MACHINE,
  accessFor,
  firstDenied,
  runAsDeployed,
  statementsOf,
  withoutStatement,
  type StatementRef,
} from './helpers';

/** Actions the local run never makes (CloudWatch Logs, X-Ray, Map Run bookkeeping, `.sync` polling). */
const NOT_MADE_LOCALLY =
  /^(xray|logs|events):|^states:(Describe|Stop|Redrive)Execution$|^batch:(DescribeJobs|TerminateJob)$/;

/**
 * Granted but never used by pairs-basic (a run and its resume): every function gets the same
 * run access (infra/cdk/bucket-access.ts grantRunAccess). Kept visible here until grants come
 * from what each function reads and writes.
 */
const GRANTED_UNUSED = ['finalize s3:ListBucket'];

const unique = (requests: readonly AccessRequest[]) => [
  ...new Map(
    requests.map((r) => [JSON.stringify([r.principal, r.action, r.resource, r.context]), r]),
  ).values(),
];

describe('pairs-basic as deployed', () => {
  let dir: string;
  let access: DeployedAccess;
  let requests: AccessRequest[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-deployed-'));
    await makeSampleShards(path.join(dir, 'inputs', 'pairs'), {
      shards: 2,
      samplesPerShard: 10,
      seed: 5,
    });
    access = accessFor('pairs-basic', dir);
    const run = await runAsDeployed('pairs-basic', access);
    expect(run.result.error).toBeUndefined();
    expect(run.result.status).toBe('SUCCEEDED');
    // The same execution name again resumes the run: Plan probes the done markers.
    const resumed = await runAsDeployed('pairs-basic', access);
    expect(resumed.result.status).toBe('SUCCEEDED');
    requests = unique([...run.allowed, ...resumed.allowed]);
  }, 300_000);

  it('makes its S3 requests on the bucket CloudFormation names, as the right principals', () => {
    const principals = new Set(requests.map((r) => r.principal));
    expect([...principals].sort()).toEqual(
      ['curate', 'finalize', 'plan', STATE_MACHINE, 'summary'].sort(),
    );
    expect(access.bucketName).toMatch(/^vlmflow-pairs-basic-databucket[0-9a-f]{8}-[0-9a-f]{12}$/);
    expect(requests).toContainEqual(
      expect.objectContaining({
        principal: 'plan',
        action: 's3:ListBucket',
        resource: access.bucketArn,
        context: { 's3:prefix': 'inputs/pairs/' },
      }),
    );
  });

  it('needs every statement of every role: without any one, a request the run made is denied', async () => {
    const unneeded: StatementRef[] = [];
    for (const ref of statementsOf(access)) {
      if (ref.actions.every((action) => NOT_MADE_LOCALLY.test(action))) continue;
      if (!(await firstDenied(withoutStatement(access, ref), requests))) unneeded.push(ref);
    }
    expect(unneeded.map((r) => `${r.principal} ${r.actions.join(',')}`)).toEqual(GRANTED_UNUSED);
  });

  it("fails with the SDK's AccessDenied, naming action and resource, without plan's ListBucket", async () => {
    const listing = statementsOf(access).find(
      (ref) => ref.principal === 'plan' && ref.actions.includes('s3:ListBucket'),
    )!;
    const run = await runAsDeployed('pairs-basic', withoutStatement(access, listing));
    expect(run.result.status).toBe('FAILED');
    expect(run.result.error?.Cause).toContain(
      `AccessDenied: User: ${access.principals.plan?.sessionArn} is not authorized to perform: s3:ListBucket on resource: \\"${access.bucketArn}\\"`,
    );
  }, 120_000);

  it('fails at the first Task when the state machine may not invoke the function', async () => {
    const invoke = statementsOf(access).find(
      (ref) => ref.principal === STATE_MACHINE && ref.actions.includes('lambda:InvokeFunction'),
    )!;
    const run = await runAsDeployed('pairs-basic', withoutStatement(access, invoke));
    expect(run.result.status).toBe('FAILED');
    expect(run.result.error?.Error).toBe('Lambda.AWSLambdaException');
    expect(run.result.error?.Cause).toMatch(
      /assumed-role\/vlmflow-pairs-basic-WorkflowStateMachineRole.*is not authorized to perform: lambda:InvokeFunction on resource: "arn:aws:lambda:us-east-1:123456789012:function:vlmflow-pairs-basic-Functionsplan/,
    );
  }, 120_000);
});
