/** Dollars per million images: Lambda at a memory setting beside an EC2 instance, same way. */
import { DEFAULT_PRICES } from '../../lambdas/report';
import {
  comparePerMillion,
  ec2UsdPerMillion,
  lambdaUsdPerMillion,
} from '../../lambdas/report/per-million';
import { lambdaVcpus, samplesInFlightFor } from '../../core/lambda-vcpus';
import { STAGE_FUNCTIONS } from '../../infra/cdk/stage-functions';

const prices = DEFAULT_PRICES;

describe('per million images', () => {
  test('Lambda: CPU seconds over the vCPUs kept busy, billed at the memory setting', () => {
    // 20 ms CPU on 2 vCPUs fully busy: 10 ms billed per image at 3538 MB.
    const p = lambdaUsdPerMillion(
      {
        cpuMsPerImage: 20,
        memoryMiB: 3538,
        architecture: 'x86_64',
        utilization: 1,
        imagesPerShard: 10_000,
      },
      prices,
    );
    expect(p.terms.compute).toBeCloseTo(1e6 * 0.01 * (3538 / 1024) * 0.0000166667, 6);
    // One invocation, three transitions, a GET and four PUTs per shard of 10,000.
    expect(p.terms.invocations).toBeCloseTo(100 * 0.2e-6, 9);
    expect(p.terms.stateTransitions).toBeCloseTo(300 * 0.000025, 9);
    expect(p.usd).toBeCloseTo(
      Object.values(p.terms).reduce((a, b) => a + b),
      9,
    );
    // One sample at a time keeps one of the two vCPUs busy: twice the compute cost.
    const sequential = lambdaUsdPerMillion(
      {
        cpuMsPerImage: 20,
        memoryMiB: 3538,
        architecture: 'x86_64',
        utilization: 0.5,
        imagesPerShard: 10_000,
      },
      prices,
    );
    expect(sequential.terms.compute! / p.terms.compute!).toBeCloseTo(2, 9);
  });

  test('EC2: CPU seconds at the instance’s price per vCPU-second', () => {
    const p = ec2UsdPerMillion(
      { cpuMsPerImage: 20, instanceType: 'c6i.4xlarge', utilization: 1, imagesPerShard: 10_000 },
      prices,
    );
    expect(p.terms.compute).toBeCloseTo((1e6 * 0.02 * 0.68) / 3600 / 16, 6);
    expect(() =>
      ec2UsdPerMillion(
        { cpuMsPerImage: 20, instanceType: 'x9.huge', utilization: 1, imagesPerShard: 1 },
        prices,
      ),
    ).toThrow('no on-demand price or vCPU count for x9.huge');
  });

  test('the comparison prices the curate function as the stack deploys it', () => {
    expect(prices.assumptions.lambdaMemoryMiB.curate).toBe(STAGE_FUNCTIONS.curate.memoryMiB);
    const c = comparePerMillion(20, prices);
    expect(c.lambda.basis).toContain(`${STAGE_FUNCTIONS.curate.memoryMiB} MB`);
    // arm64 is 20 % cheaper per GB-second at the same CPU time.
    expect(c.lambdaArm64SameCpu.terms.compute! / c.lambda.terms.compute!).toBeCloseTo(0.8, 3);
  });

  test('vCPUs and samples in flight follow the memory setting', () => {
    expect(lambdaVcpus(1769)).toBe(1);
    expect(lambdaVcpus(10_240)).toBeCloseTo(5.79, 2);
    expect(samplesInFlightFor(3538)).toBe(3);
    expect(samplesInFlightFor(128)).toBe(2);
  });
});
