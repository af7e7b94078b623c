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
import type { ShardTask } from '../../core/contracts';
import type { JsonValue } from '../../infra/compiler/asl';
import { productionHandler } from '../../infra/local/handlers';
import { makeSampleShards } from '../fixtures/sample-shards';
import {
  STATE_MACHINE,
  accessFor,
  loadShipped,
  runAsDeployed,
  statementsOf,
  unique,
  unneededStatements,
  withoutStatement,
} from './helpers';

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
    // A shard that fails, tolerated: finalize finds no stats for it, which S3 answers with 403
    // to a role whose ListBucket grant has an s3:prefix condition; finalize's listing of the
    // exact key then tells "missing" from a denial.
    const broken = await mkdtemp(path.join(tmpdir(), 'vlmflow-deployed-broken-'));
    await makeSampleShards(path.join(broken, 'inputs', 'pairs'), {
      shards: 2,
      samplesPerShard: 4,
      seed: 6,
    });
    const curate = productionHandler('curate', loadShipped('pairs-basic').pipeline.operators);
    const tolerated = await runAsDeployed(
      'pairs-basic',
      { ...access, bucketFolder: `file://${broken}/` },
      { params: { toleratedFailurePercentage: 50 } },
      'in-process',
      {
        // The first shard's function fails (as a crashed handler would); the other curates.
        curate: (event) =>
          (event as unknown as { task: ShardTask }).task.item.key.endsWith('0')
            ? Promise.reject(new Error('the function failed on this shard'))
            : (curate(event) as Promise<JsonValue>),
      },
    );
    expect(tolerated.result.error).toBeUndefined();
    expect(tolerated.result.status).toBe('SUCCEEDED');
    requests = unique([...run.allowed, ...resumed.allowed, ...tolerated.allowed]);
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
    expect(await unneededStatements(access, requests)).toEqual([]);
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
