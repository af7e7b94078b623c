/**
 * The curate benchmark's per-Lambda and per-million figures: the in-flight speedup over the
 * sequential handler, and dollars per million images from the CPU time measured in this run
 * (lambdas/report/per-million.ts, the same arithmetic as `vlmflow cost --per-million`).
 */
import { lambdaVcpus } from '../../core/lambda-vcpus';
import { DEFAULT_PRICES } from '../../lambdas/report';
import {
  IMG2DATASET_INSTANCE,
  ec2UsdPerMillion,
  lambdaUsdPerMillion,
} from '../../lambdas/report/per-million';
import type { InFlightPasses } from './curate-bench-in-flight';
import { rate, type Measured } from './curate-bench-report';
import { median } from './curate-bench-setup';

export interface CostInputs {
  readonly images: number;
  /** Per-core curate passes (one sample at a time, one libvips thread). */
  readonly curate: readonly Measured[];
  readonly img2dataset: readonly Measured[] | undefined;
  readonly perLambda: InFlightPasses | undefined;
  readonly cores: number;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export function perMillionFigures(input: CostInputs): {
  readonly json: Record<string, number | null>;
  readonly lines: readonly string[];
} {
  const prices = DEFAULT_PRICES;
  const { baselines } = prices;
  const memoryMiB = prices.assumptions.lambdaMemoryMiB.curate!;
  const cpuMsPerImage = (passes: readonly Measured[]) =>
    median(passes.map((p) => p.cpuMs)) / input.images;
  const inFlight = input.perLambda;
  const speedup = inFlight
    ? rate(inFlight.inFlight, input.images, 'ms') / rate(inFlight.sequential, input.images, 'ms')
    : undefined;
  // Cores the in-flight handler kept busy here: CPU time over wall time of its passes.
  const coresBusy = inFlight ? median(inFlight.inFlight.map((p) => p.cpuMs / p.ms)) : undefined;
  // Share of the function's vCPUs kept busy, from the speedup measured on this machine's
  // cores (the recorded baseline when not measured in this run).
  const vcpus = lambdaVcpus(memoryMiB);
  const utilization =
    speedup === undefined
      ? baselines.curateInFlightUtilization
      : Math.min(1, speedup / Math.min(input.cores, vcpus));
  const curateCpu = cpuMsPerImage(input.curate);
  const lambda = lambdaUsdPerMillion(
    {
      cpuMsPerImage: curateCpu,
      memoryMiB,
      architecture: 'x86_64',
      utilization,
      imagesPerShard: baselines.imagesPerShard,
    },
    prices,
  );
  const i2dCpu = input.img2dataset ? cpuMsPerImage(input.img2dataset) : undefined;
  const ec2 =
    i2dCpu === undefined
      ? undefined
      : ec2UsdPerMillion(
          {
            cpuMsPerImage: i2dCpu,
            instanceType: IMG2DATASET_INSTANCE,
            utilization: 1,
            imagesPerShard: baselines.imagesPerShard,
          },
          prices,
        );
  const json = {
    in_flight_speedup: speedup === undefined ? null : round(speedup),
    in_flight_samples: inFlight ? inFlight.samplesInFlight : null,
    in_flight_cores_busy: coresBusy === undefined ? null : round(coresBusy, 2),
    curate_cpu_ms_per_image: round(curateCpu, 2),
    img2dataset_cpu_ms_per_image: i2dCpu === undefined ? null : round(i2dCpu, 2),
    lambda_memory_mib: memoryMiB,
    lambda_vcpu_utilization: round(utilization),
    usd_per_million_lambda: round(lambda.usd),
    // Graviton's CPU time per image is not measured here (no arm64 machine): no figure.
    usd_per_million_lambda_arm64: null,
    usd_per_million_img2dataset_ec2: ec2 ? round(ec2.usd) : null,
    usd_per_million_ratio: ec2 ? round(lambda.usd / ec2.usd) : null,
  };
  const lines = [
    '',
    inFlight && speedup !== undefined
      ? `per Lambda: ${inFlight.samplesInFlight} samples in flight run ${speedup.toFixed(2)}× the sequential handler (wall, same shard; ${coresBusy!.toFixed(2)} of ${input.cores} cores busy)`
      : 'per Lambda: not measured (--no-in-flight)',
    `per million images, pairs-basic on Lambda: $${lambda.usd.toFixed(3)} (${lambda.basis})`,
    ec2
      ? `per million images, img2dataset on EC2:     $${ec2.usd.toFixed(3)} (${ec2.basis}); ratio ${(lambda.usd / ec2.usd).toFixed(2)}×`
      : 'per million images, img2dataset on EC2: not measured (img2dataset did not run)',
  ];
  return { json, lines };
}
