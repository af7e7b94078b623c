/**
 * `vlmflow doctor [pipeline]`: read-only checks of the account a deploy or a run would use,
 * each with a verdict and what to do: credentials and region, CDK bootstrap, the pipeline's
 * stack and whether its state machine runs the local definition, the GPU vCPU quota for its
 * training, Lambda concurrency against maxConcurrency, and its bucket. Clients are injected so
 * tests answer for AWS.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { PipelineGraph } from '../../../core/ir';
import { compile } from '../../compiler';
import { smallestFit } from '../../cdk/gpu-instances';
import { stackNameOf } from '../../cdk/pipeline-stack';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface DoctorClients {
  readonly sts: STSClient;
  readonly cloudFormation: CloudFormationClient;
  readonly sfn: SFNClient;
  readonly quotas: ServiceQuotasClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
}

export function defaultDoctorClients(): DoctorClients {
  return {
    sts: new STSClient({}),
    cloudFormation: new CloudFormationClient({}),
    sfn: new SFNClient({}),
    quotas: new ServiceQuotasClient({}),
    lambda: new LambdaClient({}),
    s3: new S3Client({}),
  };
}

/** EC2 quota "Running On-Demand G and VT instances" (vCPUs). */
export const GPU_ON_DEMAND_QUOTA = 'L-DB2E81BA';
const CDK_TOOLKIT_STACK = 'CDKToolkit';

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** The Plan payload's graph hash and version: what the deployed definition was compiled from. */
function compiledFrom(definition: unknown): string | undefined {
  const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
  const hash = /"definitionHash":\s*"([0-9a-f]+)"/.exec(text)?.[1];
  const version = /"version":\s*"([^"]+)"/.exec(text)?.[1];
  return hash && version ? `${hash.slice(0, 12)} (vlmflow ${version})` : undefined;
}

export async function runDoctor(
  graph: PipelineGraph | undefined,
  clients: DoctorClients,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (check: string, verdict: Verdict, detail: string) =>
    checks.push({ check, verdict, detail });

  let account: string | undefined;
  const region = await clients.sts.config.region().catch(() => undefined);
  try {
    account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
    add('credentials', 'ok', `account ${account}, region ${region ?? 'unset'}`);
  } catch (error) {
    add(
      'credentials',
      'fail',
      `no usable AWS credentials (${message(error)}): set AWS_PROFILE or run aws configure`,
    );
    return checks;
  }
  if (!region) add('region', 'fail', "no region: set AWS_REGION or the profile's region");

  try {
    const [toolkit] =
      (
        await clients.cloudFormation.send(
          new DescribeStacksCommand({ StackName: CDK_TOOLKIT_STACK }),
        )
      ).Stacks ?? [];
    const status = toolkit?.StackStatus ?? 'missing';
    add(
      'cdk bootstrap',
      status.endsWith('_COMPLETE') && !status.startsWith('DELETE') ? 'ok' : 'fail',
      `${CDK_TOOLKIT_STACK} ${status}`,
    );
  } catch (error) {
    add(
      'cdk bootstrap',
      'fail',
      `${message(error)}: run npx cdk bootstrap aws://${account}/${region}`,
    );
  }
  if (!graph) return checks;

  const stackName = stackNameOf(graph.name);
  let outputs: Record<string, string> = {};
  try {
    const [stack] =
      (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })))
        .Stacks ?? [];
    outputs = Object.fromEntries(
      (stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
    add('stack', 'ok', `${stackName} ${stack?.StackStatus ?? ''}`.trim());
  } catch (error) {
    add('stack', 'fail', `${stackName}: ${message(error)}: run npx cdk deploy ${stackName}`);
    return checks;
  }

  const local = compile(graph);
  const localFrom = compiledFrom(local.definition);
  try {
    const { definition } = await clients.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: outputs.StateMachineArn }),
    );
    const deployedFrom = compiledFrom(definition);
    add(
      'state machine',
      deployedFrom === localFrom ? 'ok' : 'fail',
      deployedFrom === localFrom
        ? `runs the local definition ${localFrom}`
        : `deployed from ${deployedFrom ?? 'an unknown definition'}, local is ${localFrom}: run npx cdk deploy ${stackName}`,
    );
  } catch (error) {
    add('state machine', 'fail', message(error));
  }

  const largest = graph.trains.reduce(
    (a, t) => ({
      vcpus: Math.max(a.vcpus, t.vcpus),
      memoryMiB: Math.max(a.memoryMiB, t.memoryMiB),
      gpus: Math.max(a.gpus, t.gpus),
    }),
    { vcpus: 0, memoryMiB: 0, gpus: 0 },
  );
  if (graph.trains.length > 0) {
    const fit = smallestFit(['g5'], largest);
    try {
      const value = (
        await clients.quotas.send(
          new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: GPU_ON_DEMAND_QUOTA }),
        )
      ).Quota?.Value;
      const needed = fit?.vcpus ?? largest.vcpus;
      add(
        'GPU vCPU quota',
        value !== undefined && value >= needed ? 'ok' : 'fail',
        `Running On-Demand G and VT instances: ${value ?? 'unknown'} vCPUs; the training job needs ${needed}${fit ? ` (${fit.type})` : ''}` +
          (value !== undefined && value >= needed
            ? ''
            : `: request ${GPU_ON_DEMAND_QUOTA} ≥ ${needed} in Service Quotas`),
      );
    } catch (error) {
      add('GPU vCPU quota', 'warn', `cannot read quota ${GPU_ON_DEMAND_QUOTA}: ${message(error)}`);
    }
  }

  const maxConcurrency = Number(graph.params.maxConcurrency?.default ?? 0);
  try {
    const limit = (await clients.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit
      ?.ConcurrentExecutions;
    const enough = limit !== undefined && limit >= maxConcurrency;
    add(
      'Lambda concurrency',
      enough ? 'ok' : 'warn',
      `account limit ${limit ?? 'unknown'}, maxConcurrency ${maxConcurrency}` +
        (enough
          ? ''
          : ': shards beyond the limit are throttled and retried; raise the quota or lower maxConcurrency'),
    );
  } catch (error) {
    add('Lambda concurrency', 'warn', message(error));
  }

  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: outputs.BucketName }));
    add('bucket', 'ok', `s3://${outputs.BucketName}/ reachable`);
  } catch (error) {
    add('bucket', 'fail', `s3://${outputs.BucketName ?? '?'}/: ${message(error)}`);
  }
  return checks;
}

const MARKS: Readonly<Record<Verdict, string>> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export function renderDoctor(checks: readonly DoctorCheck[]): string[] {
  return checks.map((c) => `${MARKS[c.verdict]} ${c.check}: ${c.detail}`);
}
