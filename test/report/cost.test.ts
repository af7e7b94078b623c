/** Cost arithmetic on a fixed set of measurements and a fixed price file. */
import {
  estimateCost,
  measureRun,
  projectCost,
  DEFAULT_PRICES,
  type Prices,
} from '../../lambdas/report';
import { parseTrainingMetrics } from '../../lambdas/report/training';
import type { RunMeasurements } from '../../lambdas/report/cost';
import { STAGE_FUNCTIONS } from '../../infra/cdk/stage-functions';

const PRICES: Prices = {
  region: 'test-region',
  currency: 'USD',
  asOf: '2000-01',
  source: 'fixture',
  lambda: { usdPerGbSecond: 0.00001, usdPerGbSecondArm64: 0.000008, usdPerMillionRequests: 0.2 },
  stepFunctions: { usdPerThousandStateTransitions: 0.025 },
  s3: { usdPerThousandPutCopyPostList: 0.005, usdPerThousandGet: 0.0004 },
  ec2UsdPerInstanceHour: { 'g5.xlarge': 1, 'g5.2xlarge': 2, 'c6i.4xlarge': 0.72 },
  ec2VcpusPerInstance: { 'c6i.4xlarge': 16 },
  baselines: {
    note: 'fixture',
    img2datasetResizerCpuMsPerImage: 16,
    curateInFlightUtilization: 0.9,
    imagesPerShard: 10_000,
  },
  assumptions: {
    lambdaMemoryMiB: { plan: 1024, curate: 2048, finalize: 1024, mix: 1024, summary: 512 },
    controlInvocationSeconds: 2,
    shardTaskOverheadSeconds: 0.5,
    gpuInstanceType: 'g5.xlarge',
  },
};

// 2 stages, 1 mixture, 100 shards done, 150 shard tasks (a 2-segment stage), 60 s of operators.
const MEASURED: RunMeasurements = {
  stages: 2,
  mixes: 1,
  shards: 100,
  shardTasks: 150,
  operatorMs: 60_000,
  inputSamples: 10_000,
  tarPutRequests: 220,
  trainings: [{ name: 'connector', seconds: 1800, instanceType: 'g5.2xlarge' }, { name: 'other' }],
};

describe('estimateCost', () => {
  const estimate = estimateCost(MEASURED, PRICES);
  const usd = (item: string) => estimate.lines.find((l) => l.item.startsWith(item))!;

  it('prices each line from the measurements', () => {
    // (60 s + 150 × 0.5 s) × 2 GB = 270 GB-s
    expect(usd('shard tasks compute').quantity).toBe(270);
    expect(usd('shard tasks compute').usd).toBeCloseTo(0.0027, 12);
    // plan 1 GB + 2 finalize 1 GB + mix 1 GB + summary 0.5 GB, 2 s each = 9 GB-s
    expect(usd('control functions compute').quantity).toBe(9);
    expect(usd('control functions compute').usd).toBeCloseTo(0.00009, 12);
    expect(usd('shard task requests').usd).toBeCloseTo(150 * 0.2e-6, 15);
    expect(usd('control requests').quantity).toBe(5);
    expect(usd('map child transitions').usd).toBeCloseTo(150 * 0.000025, 12);
    // Plan, 2 × (Map + Finalize), Mix, 2 × (Configure + Train), Summarize
    expect(usd('top-level transitions').quantity).toBe(2 + 4 + 1 + 4);
    // 2 per shard task + the tar uploads
    expect(usd('PUT per shard').quantity).toBe(300 + 220);
    expect(usd('PUT per shard').usd).toBeCloseTo(520 * 0.000005, 12);
    expect(usd('GET per shard').quantity).toBe(300 + 100);
    expect(usd('PUT/LIST per run').quantity).toBe(6 * 2 + 1 + 2);
    expect(usd('training connector').quantity).toBe(0.5);
    expect(usd('training connector').usd).toBe(1);
    expect(usd('training other').quantity).toBeUndefined();
    expect(usd('training other').usd).toBe(0);
    const total =
      0.0027 +
      0.00009 +
      150 * 0.2e-6 +
      5 * 0.2e-6 +
      150 * 0.000025 +
      11 * 0.000025 +
      520 * 0.000005 +
      400 * 0.0000004 +
      15 * 0.000005 +
      1;
    expect(estimate.totalUsd).toBeCloseTo(total, 12);
  });

  it('projects lines that grow with samples and keeps per-run lines', () => {
    const projected = projectCost(estimate, 1_000_000);
    const line = (item: string) => projected.lines.find((l) => l.item.startsWith(item))!;
    expect(projected.samples).toBe(1_000_000);
    expect(line('shard tasks compute').quantity).toBeCloseTo(27_000, 9);
    expect(line('map child transitions').quantity).toBeCloseTo(15_000, 9);
    expect(line('control requests').quantity).toBe(5);
    expect(line('training connector').usd).toBe(1);
    const growing = estimate.lines.filter((l) => l.scales !== 'run').reduce((t, l) => t + l.usd, 0);
    expect(projected.totalUsd).toBeCloseTo(estimate.totalUsd + 99 * growing, 9);
  });

  it('projects per-shard lines with the shard size asked for, in whole requests', () => {
    const measuredPerShard = estimate.measuredSamples / estimate.measuredShards;
    const projected = projectCost(estimate, 1_000_000, { samplesPerShard: measuredPerShard * 4 });
    const ratio = (item: string) =>
      projected.lines.find((l) => l.item === item)!.quantity! /
      estimate.lines.find((l) => l.item === item)!.quantity!;
    // Shards 4× larger: a quarter of the shard tasks; compute still grows with samples.
    expect(ratio('map child transitions')).toBeCloseTo(25, 1);
    expect(ratio('shard tasks compute')).toBeCloseTo(100, 9);
    for (const l of projected.lines)
      if (l.unit === 'requests' || l.unit === 'transitions')
        expect(Number.isInteger(l.quantity)).toBe(true);
  });

  it('ships a dated default whose Lambda memory matches the deployed functions', () => {
    expect(DEFAULT_PRICES.asOf).toBe('2026-11');
    expect(DEFAULT_PRICES.region).toBe('us-east-1');
    for (const [fn, sizing] of Object.entries(STAGE_FUNCTIONS)) {
      expect([fn, DEFAULT_PRICES.assumptions.lambdaMemoryMiB[fn]]).toEqual([fn, sizing.memoryMiB]);
    }
    expect(
      DEFAULT_PRICES.ec2UsdPerInstanceHour[DEFAULT_PRICES.assumptions.gpuInstanceType],
    ).toBeGreaterThan(0);
  });

  it('prices training from the measured samples/s when the job recorded no wall time', () => {
    const curve = parseTrainingMetrics('connector', 'file:///m/metrics.json', {
      steps: 100,
      loss: [1, 0.5],
      samples_per_step: 36,
      samples_per_second: 20,
    });
    const measured = measureRun({
      runRoot: 'file:///r',
      pipeline: 'p',
      runId: 'r',
      stages: [],
      manifests: {},
      training: [curve],
    });
    expect(measured.trainings).toEqual([{ name: 'connector', seconds: 180 }]);
  });
});
