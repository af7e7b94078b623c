/**
 * What a run cost (or would cost) on AWS, estimated from what the run folder measured:
 * operator time per shard task, shard and segment counts, bytes written, training wall time.
 * Prices are a parameter (a JSON file; `prices-2026-11.json` is the dated default). Every
 * line says whether it grows with the number of samples, so a measured run projects to N.
 *
 * Not counted: S3 storage (GB-month), data transfer, CloudWatch logs, X-Ray, free tiers.
 */
import defaultPricesJson from './prices-2026-11.json';
import { LAMBDA_FUNCTIONS, LAMBDA_FUNCTION_NAMES } from '../../core/functions';
import type { RunData } from './types';

/** A model's measured time per image in an operator, and where the figure comes from. */
export interface ModelPreset {
  readonly op: string;
  readonly cpuMsPerImage: number;
  readonly source: string;
}

export interface Prices {
  readonly region: string;
  readonly currency: string;
  readonly asOf: string;
  readonly source: string;
  readonly lambda: {
    readonly usdPerGbSecond: number;
    readonly usdPerGbSecondArm64: number;
    readonly usdPerMillionRequests: number;
  };
  readonly stepFunctions: { readonly usdPerThousandStateTransitions: number };
  readonly s3: {
    readonly usdPerThousandPutCopyPostList: number;
    readonly usdPerThousandGet: number;
  };
  readonly ec2UsdPerInstanceHour: Readonly<Record<string, number>>;
  /** vCPUs of the instance types that per-million comparisons price (per-million.ts). */
  readonly ec2VcpusPerInstance: Readonly<Record<string, number>>;
  /** Measured rates the per-million comparison uses (per-million.ts), with where they come from. */
  readonly baselines: {
    readonly note: string;
    readonly img2datasetResizerCpuMsPerImage: number;
    readonly curateInFlightUtilization: number;
    readonly imagesPerShard: number;
  };
  /** Per-image times of real models, for `vlmflow cost --model <op>=<preset>` (model-timings.ts). */
  readonly modelPresets?: {
    readonly note: string;
    readonly presets: Readonly<Record<string, ModelPreset>>;
  };
  readonly assumptions: {
    /** Memory each function is billed at; by default core's function table (core/functions.ts). */
    readonly lambdaMemoryMiB: Readonly<Record<string, number>>;
    /** Billed time of one Plan/Finalize/Mix/Summary invocation. */
    readonly controlInvocationSeconds: number;
    /** Per shard task beyond operator time: reading and writing tars and JSON. */
    readonly shardTaskOverheadSeconds: number;
    readonly gpuInstanceType: string;
  };
}

export const DEFAULT_PRICES: Prices = {
  ...defaultPricesJson,
  assumptions: {
    ...defaultPricesJson.assumptions,
    lambdaMemoryMiB: Object.fromEntries(
      LAMBDA_FUNCTION_NAMES.map((name) => [name, LAMBDA_FUNCTIONS[name].memoryMiB]),
    ),
  },
};

/** Counts a cost estimate is computed from; gathered from a run folder by `measureRun`. */
export interface RunMeasurements {
  readonly stages: number;
  readonly mixes: number;
  readonly shards: number;
  /** Shard tasks (segments × shards) and their operator milliseconds. */
  readonly shardTasks: number;
  readonly operatorMs: number;
  /** Samples that entered the first stages: what a projection scales by. */
  readonly inputSamples: number;
  readonly tarPutRequests: number;
  readonly trainings: readonly {
    readonly name: string;
    /** GPU seconds: the job's wall time, else samples trained ÷ its measured samples/s. */
    readonly seconds?: number;
    readonly instanceType?: string;
  }[];
}

/**
 * How a line grows in a projection: with samples (compute), with shards (requests and
 * transitions: one set per shard task, so shard size matters), or not at all (per run).
 */
export type CostScaling = 'samples' | 'shards' | 'run';

export interface CostLine {
  readonly service: 'Lambda' | 'Step Functions' | 'S3' | 'Batch';
  readonly item: string;
  /** undefined: not measured (e.g. a training without recorded wall time). */
  readonly quantity: number | undefined;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly usd: number;
  readonly scales: CostScaling;
}

export interface CostEstimate {
  readonly prices: { readonly region: string; readonly asOf: string; readonly source: string };
  readonly measuredSamples: number;
  readonly samples: number;
  /** Shards of the measured run, and of the projection. */
  readonly measuredShards: number;
  readonly shards: number;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

export function measureRun(run: RunData): RunMeasurements {
  const sum = (pick: (s: RunData['stages'][number]) => number) =>
    run.stages.reduce((total, stage) => total + pick(stage), 0);
  return {
    stages: run.stages.length,
    mixes: Object.values(run.manifests).filter((m) => m.kind === 'mixture').length,
    shards: sum((s) => s.shardsDone),
    shardTasks: sum((s) => s.segmentTasks),
    operatorMs: sum((s) => Object.values(s.opMs).reduce((a, b) => a + b, 0)),
    inputSamples: sum((s) => s.counts.in),
    tarPutRequests: sum((s) => s.tarPutRequests),
    trainings: run.training.map((t) => ({
      name: t.name,
      ...trainingSecondsOf(t),
      ...(t.instanceType !== undefined ? { instanceType: t.instanceType } : {}),
    })),
  };
}

function trainingSecondsOf(t: RunData['training'][number]): { seconds?: number } {
  if (t.wallSeconds !== undefined) return { seconds: t.wallSeconds };
  if (t.samplesPerSecond !== undefined && t.trainedSamples !== undefined)
    return { seconds: t.trainedSamples / t.samplesPerSecond };
  return {};
}

export function estimateCost(m: RunMeasurements, prices: Prices = DEFAULT_PRICES): CostEstimate {
  const memGb = (fn: string) => (prices.assumptions.lambdaMemoryMiB[fn] ?? 1024) / 1024;
  const gbSecond = prices.lambda.usdPerGbSecond;
  const control = controlInvocations(m);
  const controlGbSeconds = Object.entries(control).reduce(
    (total, [fn, n]) => total + n * prices.assumptions.controlInvocationSeconds * memGb(fn),
    0,
  );
  const controlCount = Object.values(control).reduce((a, b) => a + b, 0);
  // Shard tasks are billed at the curate function's memory (caption tasks are not split out).
  const shardSeconds =
    m.operatorMs / 1000 + m.shardTasks * prices.assumptions.shardTaskOverheadSeconds;
  const lines: CostLine[] = [
    line(
      'Lambda',
      'shard tasks compute',
      shardSeconds * memGb('curate'),
      'GB-s',
      gbSecond,
      'samples',
    ),
    line('Lambda', 'control functions compute', controlGbSeconds, 'GB-s', gbSecond, 'run'),
    line(
      'Lambda',
      'shard task requests',
      m.shardTasks,
      'requests',
      prices.lambda.usdPerMillionRequests / 1e6,
      'shards',
    ),
    line(
      'Lambda',
      'control requests',
      controlCount,
      'requests',
      prices.lambda.usdPerMillionRequests / 1e6,
      'run',
    ),
    line(
      'Step Functions',
      'map child transitions',
      m.shardTasks,
      'transitions',
      prices.stepFunctions.usdPerThousandStateTransitions / 1000,
      'shards',
    ),
    line(
      'Step Functions',
      'top-level transitions',
      topLevelTransitions(m),
      'transitions',
      prices.stepFunctions.usdPerThousandStateTransitions / 1000,
      'run',
    ),
    line(
      'S3',
      'PUT per shard',
      shardPuts(m),
      'requests',
      prices.s3.usdPerThousandPutCopyPostList / 1000,
      'shards',
    ),
    line(
      'S3',
      'GET per shard',
      shardGets(m),
      'requests',
      prices.s3.usdPerThousandGet / 1000,
      'shards',
    ),
    line(
      'S3',
      'PUT/LIST per run',
      runPuts(m),
      'requests',
      prices.s3.usdPerThousandPutCopyPostList / 1000,
      'run',
    ),
    ...m.trainings.map((t) => {
      const instance = t.instanceType ?? prices.assumptions.gpuInstanceType;
      const hourly = prices.ec2UsdPerInstanceHour[instance] ?? 0;
      const hours = t.seconds === undefined ? undefined : t.seconds / 3600;
      return line(
        'Batch',
        `training ${t.name} (${instance})`,
        hours,
        'instance-hours',
        hourly,
        'run',
      );
    }),
  ];
  return {
    prices: { region: prices.region, asOf: prices.asOf, source: prices.source },
    measuredSamples: m.inputSamples,
    samples: m.inputSamples,
    measuredShards: m.shards,
    shards: m.shards,
    lines,
    totalUsd: lines.reduce((total, l) => total + l.usd, 0),
  };
}

/**
 * The same run at `samples` input samples: compute grows with samples, requests and transitions
 * with shards — the measured run's shard size unless `samplesPerShard` is given (a tiny test
 * run's shards would otherwise multiply the per-shard costs). Counted units stay whole numbers.
 */
export function projectCost(
  estimate: CostEstimate,
  samples: number,
  options: { readonly samplesPerShard?: number } = {},
): CostEstimate {
  if (estimate.measuredSamples <= 0 || estimate.measuredShards <= 0)
    throw new Error('the measured run has no input samples to scale from');
  const factor = samples / estimate.measuredSamples;
  const perShard = options.samplesPerShard ?? estimate.measuredSamples / estimate.measuredShards;
  const shards = Math.ceil(samples / perShard);
  const shardFactor = shards / estimate.measuredShards;
  const lines = estimate.lines.map((l) => {
    if (l.scales === 'run' || l.quantity === undefined) return l;
    const scaled = l.quantity * (l.scales === 'shards' ? shardFactor : factor);
    const quantity = COUNTED_UNITS.has(l.unit) ? Math.ceil(scaled) : scaled;
    return { ...l, quantity, usd: quantity * l.unitPriceUsd };
  });
  return { ...estimate, samples, shards, lines, totalUsd: lines.reduce((t, l) => t + l.usd, 0) };
}

/** Units that count events: a projection never bills a fraction of a request. */
const COUNTED_UNITS = new Set(['requests', 'transitions']);

/** Plan and Summary once, Finalize per stage, Mix per mixture. */
function controlInvocations(m: RunMeasurements): Record<string, number> {
  return { plan: 1, finalize: m.stages, mix: m.mixes, summary: 1 };
}

/** Plan, Map + Finalize per stage, Mix, Configure + Train per training, Summarize. */
function topLevelTransitions(m: RunMeasurements): number {
  return 2 + 2 * m.stages + m.mixes + 2 * m.trainings.length;
}

/** Per shard task: timings + stats (or segment stats); plus the measured tar uploads. */
function shardPuts(m: RunMeasurements): number {
  return 2 * m.shardTasks + m.tarPutRequests;
}

/** Per shard task: its input tar and its done-marker check; Finalize reads each stats marker. */
function shardGets(m: RunMeasurements): number {
  return 2 * m.shardTasks + m.shards;
}

/** Per stage: LIST inputs, 2 manifests, ResultWriter (2), dataset manifest; summary + report. */
function runPuts(m: RunMeasurements): number {
  return 6 * m.stages + m.mixes + 2;
}

function line(
  service: CostLine['service'],
  item: string,
  quantity: number | undefined,
  unit: string,
  unitPriceUsd: number,
  scales: CostScaling,
): CostLine {
  return {
    service,
    item,
    quantity,
    unit,
    unitPriceUsd,
    usd: (quantity ?? 0) * unitPriceUsd,
    scales,
  };
}
