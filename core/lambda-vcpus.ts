/**
 * Lambda's CPU share follows its memory setting: one vCPU per 1,769 MB, up to 6 at 10,240 MB
 * (AWS Lambda developer guide, "Memory and computing power"). The stack sizes a shard
 * function's samples in flight from it, and cost estimates price a vCPU-second with it.
 */
export const LAMBDA_MIB_PER_VCPU = 1769;
export const LAMBDA_MAX_VCPUS = 6;

export function lambdaVcpus(memoryMiB: number): number {
  return Math.min(LAMBDA_MAX_VCPUS, memoryMiB / LAMBDA_MIB_PER_VCPU);
}

/**
 * Samples a shard function keeps in flight: one per whole vCPU, plus one so that a core is not
 * left idle while a sample waits on reading or writing the shard.
 */
export function samplesInFlightFor(memoryMiB: number): number {
  return Math.max(1, Math.round(lambdaVcpus(memoryMiB))) + 1;
}
