/**
 * GPU training on AWS Batch: one job queue and one job definition for every train stage of a
 * pipeline (the state machine overrides command, GPUs, vCPUs and memory per stage), on a
 * managed EC2 compute environment of GPU instances that scales to zero.
 *
 * The instances sit in public subnets of a VPC made for them, with no inbound rule: they only
 * pull the image from ECR and talk to S3, so a NAT gateway (billed by the hour) buys nothing.
 *
 * When the pipeline's train stages set `nodes`, the job definition is a multi-node parallel one
 * (one node range "0:", open-ended so that a run's node count overrides it). Batch runs those on
 * On-Demand instances only, and gives each node's container its own network interface (awsvpc,
 * no public IP): the instances' security group lets them reach each other (torchrun's
 * rendezvous, NCCL), and the VPC made here gets an S3 gateway endpoint for the containers.
 */
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { TrainNode } from '../../core/ir';
import { MODELS_PREFIX, grantRunAccess } from './bucket-access';
import { instanceFitProblem } from './gpu-instances';

export interface TrainingProps {
  /** The pipeline's train stages (at least one); the job definition fits the largest. */
  readonly trains: readonly TrainNode[];
  /** Folder with the training image's Dockerfile (built by `cdk deploy`, not by synth). */
  readonly imageDirectory: string;
  /** Bucket the job reads datasets from and writes models to (under `runs/`). */
  readonly bucket: s3.IBucket;
  /**
   * EC2 instance types or families (`g5` lets Batch pick the smallest size that fits a job).
   * @default ['g5']
   */
  readonly instanceTypes?: readonly string[];
  /** Spot instances (jobs are retried when reclaimed) instead of on-demand. @default false */
  readonly spot?: boolean;
  /** Upper bound of the compute environment. @default max(64, largest stage's vCPUs) */
  readonly maxvCpus?: number;
  /** @default 3 */
  readonly retryAttempts?: number;
  /**
   * Where the GPU instances run. A given VPC's default subnet selection is used (private
   * subnets if it has any: they need a NAT gateway or VPC endpoints for ECR and S3).
   * @default - a new VPC with two public subnets and no NAT gateway
   */
  readonly vpc?: ec2.IVpc;
  /**
   * /dev/shm of the training container: PyTorch DataLoader workers hand batches over through
   * shared memory, and Docker's 64 MiB default makes them crash.
   * @default - a quarter of the largest stage's memory
   */
  readonly sharedMemoryMiB?: number;
  /**
   * How long a job may wait RUNNABLE for GPU capacity before Batch cancels it (and the run's
   * train state fails), instead of holding the run until the Task's timeout.
   * @default 60
   */
  readonly capacityWaitMinutes?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class Training extends Construct {
  readonly jobQueue: batch.JobQueue;
  readonly jobDefinition: batch.IJobDefinition;
  readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: TrainingProps) {
    super(scope, id);
    if (props.trains.length === 0) throw new Error('Training needs at least one train stage');
    const largest = {
      gpus: Math.max(...props.trains.map((t) => t.gpus)),
      vcpus: Math.max(...props.trains.map((t) => t.vcpus)),
      memoryMiB: Math.max(...props.trains.map((t) => t.memoryMiB)),
      timeoutSeconds: Math.max(...props.trains.map((t) => t.timeoutSeconds)),
    };

    const instanceTypes = props.instanceTypes ?? ['g5'];
    const misfit = instanceFitProblem(instanceTypes, largest);
    if (misfit) throw new Error(misfit);
    const multiNode = props.trains.some((t) => t.nodes !== undefined);
    const spot = props.spot ?? false;
    if (multiNode && spot) {
      throw new Error(
        'Training: train stages that set nodes run as multi-node parallel jobs, which AWS Batch does not run on Spot instances; deploy them with spot off',
      );
    }
    this.vpc = props.vpc ?? newVpcIn(this, props, multiNode);

    const computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'GpuInstances', {
      vpc: this.vpc,
      vpcSubnets: props.vpc ? {} : { subnetType: ec2.SubnetType.PUBLIC },
      ...instanceSelection(instanceTypes),
      useOptimalInstanceClasses: false,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023_NVIDIA }],
      spot,
      allocationStrategy: spot
        ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
        : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: 0,
      maxvCpus: props.maxvCpus ?? Math.max(64, largest.vcpus),
    });
    if (multiNode) {
      computeEnvironment.connections.allowInternally(
        ec2.Port.allTraffic(),
        'multi-node training: rendezvous and NCCL between the nodes of a job',
      );
    }
    this.jobQueue = new batch.JobQueue(this, 'Queue', {
      computeEnvironments: [{ computeEnvironment, order: 1 }],
      jobStateTimeLimitActions: runnableTimeLimits(props.capacityWaitMinutes ?? 60),
    });

    const jobLogs = new logs.LogGroup(this, 'JobLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // The training script's own AWS access: datasets in, checkpoints and weights out.
    const jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    // The frozen models are run parameters: read under models/ (the defaults are deployed there).
    grantRunAccess(jobRole, props.bucket, { inputPrefixes: [MODELS_PREFIX] });
    const container = new batch.EcsEc2ContainerDefinition(this, 'Container', {
      jobRole,
      // The GPU hosts are x86_64: built for them on any machine (an arm64 Mac included).
      image: ecs.ContainerImage.fromAsset(props.imageDirectory, {
        platform: Platform.LINUX_AMD64,
      }),
      gpu: largest.gpus,
      cpu: largest.vcpus,
      memory: Size.mebibytes(largest.memoryMiB),
      logging: ecs.LogDriver.awsLogs({ streamPrefix: 'train', logGroup: jobLogs }),
      linuxParameters: new batch.LinuxParameters(this, 'Linux', {
        sharedMemorySize: Size.mebibytes(
          props.sharedMemoryMiB ?? Math.floor(largest.memoryMiB / 4),
        ),
      }),
    });

    const retry = {
      timeout: Duration.seconds(largest.timeoutSeconds),
      retryAttempts: props.retryAttempts ?? 3,
      retryStrategies: [
        // Batch matches these in order: a reclaimed Spot host is worth another attempt; a
        // failing training script is not (it would fail the same way, on GPU hours).
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: '*' })),
      ],
    };
    this.jobDefinition = multiNode
      ? multiNodeJob(this, container, retry)
      : new batch.EcsJobDefinition(this, 'Job', { container, ...retry });
  }
}

/** Every node runs the same container; the run's NodeOverrides sets how many nodes. */
function multiNodeJob(
  scope: Construct,
  container: batch.EcsEc2ContainerDefinition,
  retry: Pick<batch.MultiNodeJobDefinitionProps, 'timeout' | 'retryAttempts' | 'retryStrategies'>,
): batch.MultiNodeJobDefinition {
  const job = new batch.MultiNodeJobDefinition(scope, 'Job', {
    containers: [{ container, startNode: 0, endNode: 0 }],
    mainNode: 0,
    ...retry,
  });
  // The L2 construct writes a closed range ("0:0"); Batch overrides NumNodes only with an open one.
  (job.node.defaultChild as batch.CfnJobDefinition).addPropertyOverride(
    'NodeProperties.NodeRangeProperties.0.TargetNodes',
    '0:',
  );
  return job;
}

/**
 * A job at the head of the queue that cannot start is cancelled: after `capacityWaitMinutes`
 * when no instance is available, after Batch's minimum (10 minutes) when it never can start
 * (bigger than the compute environment's maximum or than any allowed instance).
 */
function runnableTimeLimits(capacityWaitMinutes: number): batch.JobStateTimeLimitAction[] {
  const cancel = (reason: batch.JobStateTimeLimitActionsReason, minutes: number) => ({
    action: batch.JobStateTimeLimitActionsAction.CANCEL,
    state: batch.JobStateTimeLimitActionsState.RUNNABLE,
    reason,
    maxTime: Duration.minutes(minutes),
  });
  return [
    cancel(
      batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
      capacityWaitMinutes,
    ),
    cancel(batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, 10),
    cancel(batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, 10),
  ];
}

/** Public subnets only, no NAT gateway; flow logs for AwsSolutions-VPC7. */
function newVpcIn(scope: Construct, props: TrainingProps, multiNode: boolean): ec2.Vpc {
  const flowLogs = new logs.LogGroup(scope, 'VpcFlowLogs', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    // Multi-node containers have no public IP; S3 through a (free) gateway endpoint instead.
    ...(multiNode && {
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    }),
  });
}

/** `g5.xlarge` is an instance type, `g5` a family (Batch then picks the size per job). */
function instanceSelection(names: readonly string[]): {
  instanceTypes: ec2.InstanceType[];
  instanceClasses: ec2.InstanceClass[];
} {
  const families = new Set<string>(Object.values(ec2.InstanceClass));
  const instanceClasses = names
    .filter((name) => !name.includes('.'))
    .map((name) => {
      if (!families.has(name))
        throw new Error(
          `unknown EC2 instance family "${name}" (expected e.g. g5, g6, p4d or a type like g5.xlarge)`,
        );
      return name as ec2.InstanceClass;
    });
  return {
    instanceTypes: names
      .filter((name) => name.includes('.'))
      .map((name) => new ec2.InstanceType(name)),
    instanceClasses,
  };
}
