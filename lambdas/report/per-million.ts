/**
 * Dollars per million images curated, from a measured CPU cost per image: on Lambda at a memory
 * setting (its vCPU share), beside img2dataset on an EC2 instance, computed the same way:
 * CPU-seconds per image × the price of a vCPU-second ÷ the share of the vCPUs kept busy.
 * Per-shard requests (invocations, state transitions, S3 GET/PUT) are added on both sides where
 * they apply. Not counted on either side: downloading the images, data transfer, storage.
 */
import { lambdaVcpus } from '../../core/lambda-vcpus';
import type { Prices } from './cost';
import type { RunData } from './types';

export type LambdaArchitecture = 'x86_64' | 'arm64';

export interface LambdaRateInput {
  /** Measured CPU milliseconds per image (all threads), one shard task. */
  readonly cpuMsPerImage: number;
  readonly memoryMiB: number;
  readonly architecture: LambdaArchitecture;
  /**
   * Share (0–1] of the function's vCPUs the handler keeps busy: the measured in-flight speedup
   * over the cores it was measured on. 1/vCPUs for a handler that works one sample at a time.
   */
  readonly utilization: number;
  /** Images per shard task: one invocation, its transitions and S3 requests per shard. */
  readonly imagesPerShard: number;
}

export interface PerMillion {
  readonly usd: number;
  /** Each term in dollars per million images. */
  readonly terms: Readonly<Record<string, number>>;
  /** How the compute term was computed, in words (for `vlmflow cost` and BENCHMARKS.md). */
  readonly basis: string;
}

const MILLION = 1e6;

export function lambdaUsdPerMillion(input: LambdaRateInput, prices: Prices): PerMillion {
  checkRate(input.cpuMsPerImage, input.utilization);
  const vcpus = lambdaVcpus(input.memoryMiB);
  const gbSecond =
    input.architecture === 'arm64'
      ? prices.lambda.usdPerGbSecondArm64
      : prices.lambda.usdPerGbSecond;
  // Billed seconds per image: CPU seconds spread over the vCPUs the handler keeps busy.
  const billedSeconds = input.cpuMsPerImage / 1000 / (vcpus * Math.min(1, input.utilization));
  const shards = MILLION / input.imagesPerShard;
  const terms = {
    compute: MILLION * billedSeconds * (input.memoryMiB / 1024) * gbSecond,
    invocations: shards * (prices.lambda.usdPerMillionRequests / MILLION),
    // A Distributed Map child per shard: start, the task, end. estimateCost (cost.ts) counts one
    // transition per shard task instead; this figure is the benchmark's published arithmetic.
    stateTransitions: shards * 3 * (prices.stepFunctions.usdPerThousandStateTransitions / 1000),
    ...s3Terms(shards, prices),
  };
  return {
    usd: sum(terms),
    terms,
    basis:
      `${input.cpuMsPerImage.toFixed(1)} ms CPU/image on ${input.memoryMiB} MB ` +
      `(${vcpus.toFixed(2)} vCPU, ${input.architecture}) kept ${(100 * Math.min(1, input.utilization)).toFixed(0)} % busy ` +
      `at $${gbSecond}/GB-s`,
  };
}

export interface Ec2RateInput {
  readonly cpuMsPerImage: number;
  readonly instanceType: string;
  /** Share of the instance's vCPUs kept busy (img2dataset: one process per vCPU, 1). */
  readonly utilization: number;
  readonly imagesPerShard: number;
}

export function ec2UsdPerMillion(input: Ec2RateInput, prices: Prices): PerMillion {
  checkRate(input.cpuMsPerImage, input.utilization);
  const hourly = prices.ec2UsdPerInstanceHour[input.instanceType];
  const vcpus = prices.ec2VcpusPerInstance[input.instanceType];
  if (hourly === undefined || vcpus === undefined)
    throw new Error(`no on-demand price or vCPU count for ${input.instanceType} in the price file`);
  const vcpuSecond = hourly / 3600 / vcpus;
  const terms = {
    compute: (MILLION * input.cpuMsPerImage * vcpuSecond) / 1000 / Math.min(1, input.utilization),
    ...s3Terms(MILLION / input.imagesPerShard, prices),
  };
  return {
    usd: sum(terms),
    terms,
    basis:
      `${input.cpuMsPerImage.toFixed(1)} ms CPU/image on ${input.instanceType} ` +
      `(${vcpus} vCPU at $${hourly}/h on demand) kept ${(100 * Math.min(1, input.utilization)).toFixed(0)} % busy`,
  };
}

/** Per shard: its input read, the kept and rejects tars and two small JSON files written. */
function s3Terms(shards: number, prices: Prices): Record<string, number> {
  return {
    s3Get: shards * (prices.s3.usdPerThousandGet / 1000),
    s3Put: shards * 4 * (prices.s3.usdPerThousandPutCopyPostList / 1000),
  };
}

function checkRate(cpuMsPerImage: number, utilization: number): void {
  if (!(cpuMsPerImage > 0))
    throw new Error(`CPU ms per image must be positive, got ${cpuMsPerImage}`);
  if (!(utilization > 0)) throw new Error(`utilization must be positive, got ${utilization}`);
}

function sum(terms: Readonly<Record<string, number>>): number {
  return Object.values(terms).reduce((a, b) => a + b, 0);
}

/** CPU milliseconds per input sample of a run's shard tasks, from its timings files. */
export function cpuMsPerImageOf(run: RunData): number {
  const measured = run.stages.filter((stage) => stage.taskCpuMs > 0);
  const samples = measured.reduce((sum, stage) => sum + stage.counts.in, 0);
  if (samples === 0)
    throw new Error(
      `${run.runRoot} recorded no shard CPU time (timings without cpuMs): run it again with this version`,
    );
  return measured.reduce((sum, stage) => sum + stage.taskCpuMs, 0) / samples;
}

export interface PerMillionComparison {
  readonly cpuMsPerImage: number;
  readonly lambda: PerMillion;
  /** Graviton at the same CPU ms per image: Graviton's own rate is not measured here. */
  readonly lambdaArm64SameCpu: PerMillion;
  readonly img2datasetEc2: PerMillion;
}

/**
 * The curate function as deployed (memory from the price file's assumptions, which a test keeps
 * equal to the stack's) beside img2dataset's measured Resizer on a c6i.4xlarge.
 */
export function comparePerMillion(cpuMsPerImage: number, prices: Prices): PerMillionComparison {
  const { baselines } = prices;
  const lambda = (architecture: LambdaArchitecture) =>
    lambdaUsdPerMillion(
      {
        cpuMsPerImage,
        memoryMiB: prices.assumptions.lambdaMemoryMiB.curate ?? 1024,
        architecture,
        utilization: baselines.curateInFlightUtilization,
        imagesPerShard: baselines.imagesPerShard,
      },
      prices,
    );
  return {
    cpuMsPerImage,
    lambda: lambda('x86_64'),
    lambdaArm64SameCpu: lambda('arm64'),
    img2datasetEc2: ec2UsdPerMillion(
      {
        cpuMsPerImage: baselines.img2datasetResizerCpuMsPerImage,
        instanceType: IMG2DATASET_INSTANCE,
        utilization: 1,
        imagesPerShard: baselines.imagesPerShard,
      },
      prices,
    ),
  };
}

/** What a team running img2dataset on EC2 would pick: compute-optimised, 16 vCPUs. */
export const IMG2DATASET_INSTANCE = 'c6i.4xlarge';
