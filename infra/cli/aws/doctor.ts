/**
 * `vlmflow doctor [pipeline]`: read-only checks of the account a deploy or a run would use,
 * each with a verdict and what to do: credentials and region, CDK bootstrap, the pipeline's
 * stack and whether its state machine runs the local definition, the GPU vCPU quota for its
 * training, Lambda concurrency against maxConcurrency, and its bucket. Clients are injected so
 * tests answer for AWS.
 */
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
} from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { messageOf } from '../../../core/errors';
import type { PipelineGraph } from '../../../core/ir';
import { compile } from '../../compiler';
import { smallestFit } from '../../cdk/gpu-instances';
import { stackNameOf } from '../../cdk/pipeline-stack';
import { definitionDifferences } from './definition-diff';
import { ec2QuotasFor } from './ec2-quotas';

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
  readonly batch: BatchClient;
}

export function defaultDoctorClients(): DoctorClients {
  return {
    sts: new STSClient({}),
    cloudFormation: new CloudFormationClient({}),
    sfn: new SFNClient({}),
    quotas: new ServiceQuotasClient({}),
    lambda: new LambdaClient({}),
    s3: new S3Client({}),
    batch: new BatchClient({}),
  };
}

/** What the stack's training deploys on when its job queue cannot be read (Training's default). */
const DEFAULT_GPU_TYPES = ['g5'];

/** Instance types and purchase option of each compute environment behind the job queue. */
async function queueInstances(
  batch: BatchClient,
  jobQueueArn: string,
): Promise<{ types: string[]; spot: boolean }[]> {
  const [queue] =
    (await batch.send(new DescribeJobQueuesCommand({ jobQueues: [jobQueueArn] }))).jobQueues ?? [];
  if (!queue) throw new Error(`job queue ${jobQueueArn} not found`);
  const environments = (queue.computeEnvironmentOrder ?? []).flatMap(
    (e) => e.computeEnvironment ?? [],
  );
  const described =
    (
      await batch.send(
        new DescribeComputeEnvironmentsCommand({ computeEnvironments: environments }),
      )
    ).computeEnvironments ?? [];
  return described.map((e) => ({
    types: e.computeResources?.instanceTypes ?? [],
    spot: e.computeResources?.type === 'SPOT',
  }));
}
const CDK_TOOLKIT_STACK = 'CDKToolkit';

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
      `no usable AWS credentials (${messageOf(error)}): set AWS_PROFILE or run aws configure`,
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
      `${messageOf(error)}: run npx cdk bootstrap aws://${account}/${region}`,
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
    add('stack', 'fail', `${stackName}: ${messageOf(error)}: run npx cdk deploy ${stackName}`);
    return checks;
  }

  const local = compile(graph).definition;
  const localFrom = compiledFrom(local);
  try {
    const { definition } = await clients.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: outputs.StateMachineArn }),
    );
    const deployedFrom = compiledFrom(definition);
    const differences = deployedFrom === localFrom ? [] : safeDifferences(definition, local);
    const shown = differences.slice(0, MAX_DIFFERENCES).join('; ');
    const more =
      differences.length > MAX_DIFFERENCES
        ? ` and ${differences.length - MAX_DIFFERENCES} more`
        : '';
    add(
      'state machine',
      deployedFrom === localFrom ? 'ok' : 'fail',
      deployedFrom === localFrom
        ? `runs the local definition ${localFrom}`
        : `deployed from ${deployedFrom ?? 'an unknown definition'}, local is ${localFrom}` +
            (shown ? ` (differs at ${shown}${more})` : '') +
            `: run npx cdk deploy ${stackName}`,
    );
  } catch (error) {
    add('state machine', 'fail', messageOf(error));
  }

  const largest = graph.trains.reduce(
    (a, t) => ({
      vcpus: Math.max(a.vcpus, t.vcpus),
      memoryMiB: Math.max(a.memoryMiB, t.memoryMiB),
      gpus: Math.max(a.gpus, t.gpus),
    }),
    { vcpus: 0, memoryMiB: 0, gpus: 0 },
  );
  if (graph.trains.length > 0) await checkGpuQuotas(clients, outputs.JobQueueArn, largest, add);

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
    add('Lambda concurrency', 'warn', messageOf(error));
  }

  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: outputs.BucketName }));
    add('bucket', 'ok', `s3://${outputs.BucketName}/ reachable`);
  } catch (error) {
    add('bucket', 'fail', `s3://${outputs.BucketName ?? '?'}/: ${messageOf(error)}`);
  }
  return checks;
}

const MAX_DIFFERENCES = 5;

/** Differences, or none when the deployed definition is not JSON (the hashes still say). */
function safeDifferences(deployed: unknown, local: unknown): string[] {
  try {
    return definitionDifferences(deployed, local);
  } catch {
    return [];
  }
}

type Add = (check: string, verdict: Verdict, detail: string) => void;

/**
 * Each vCPU quota the job queue's instance types count against (G and VT, P …, On-Demand or
 * Spot as the compute environment buys them) against the vCPUs of the smallest instance that
 * fits the largest train stage.
 */
async function checkGpuQuotas(
  clients: DoctorClients,
  jobQueueArn: string | undefined,
  largest: { vcpus: number; memoryMiB: number; gpus: number },
  add: Add,
): Promise<void> {
  let environments: { types: string[]; spot: boolean }[];
  let assumed = '';
  try {
    if (!jobQueueArn) throw new Error('the stack has no JobQueueArn output');
    environments = await queueInstances(clients.batch, jobQueueArn);
  } catch (error) {
    environments = [{ types: DEFAULT_GPU_TYPES, spot: false }];
    assumed = ` (job queue not read: ${messageOf(error)}; assumed ${DEFAULT_GPU_TYPES.join(', ')} On-Demand)`;
  }
  for (const { types, spot } of environments) {
    for (const quota of ec2QuotasFor(types, spot)) {
      const fit = smallestFit(quota.types, largest);
      const needed = fit?.vcpus ?? largest.vcpus;
      try {
        const answer = (
          await clients.quotas.send(
            new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quota.code }),
          )
        ).Quota;
        const value = answer?.Value;
        const enough = value !== undefined && value >= needed;
        add(
          'GPU vCPU quota',
          enough ? 'ok' : 'fail',
          `${answer?.QuotaName ?? quota.name} (${quota.code}, for ${quota.types.join(', ')}): ` +
            `${value ?? 'unknown'} vCPUs; the training job needs ${needed}${fit ? ` (${fit.type})` : ''}` +
            (enough ? '' : `: request ${quota.code} ≥ ${needed} in Service Quotas`) +
            assumed,
        );
      } catch (error) {
        add(
          'GPU vCPU quota',
          'warn',
          `cannot read quota ${quota.code}: ${messageOf(error)}${assumed}`,
        );
      }
    }
  }
}

const MARKS: Readonly<Record<Verdict, string>> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export function renderDoctor(checks: readonly DoctorCheck[]): string[] {
  return checks.map((c) => `${MARKS[c.verdict]} ${c.check}: ${c.detail}`);
}
