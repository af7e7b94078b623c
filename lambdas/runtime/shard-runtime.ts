/**
 * How a shard function uses the CPU it is given: samples in flight, libvips threads, and the
 * garbage collector's pace. Set once per container from the environment the CDK stack writes
 * (infra/cdk/stage-functions.ts derives it from the function's memory, hence its vCPUs).
 */
import { setFlagsFromString } from 'node:v8';
import sharp from 'sharp';
import type { OperatorFunction } from '../../core/ops/operator';

/** Samples a shard handler keeps in the chain at once (default 1: one at a time). */
export const IN_FLIGHT_ENV = 'VLMFLOW_IN_FLIGHT';

/**
 * V8 grows the old-generation limit to this percentage above the live heap after a full GC.
 * Every image is a fresh Buffer (tar member, sharp output) and V8 counts that external memory
 * against the limit; with a ~20 MB live heap and the default factor it marked the whole heap
 * every few images, 2.5–3 ms CPU per image (BENCHMARKS.md). 200 % lets the limit reach 3× the
 * live heap: a few tens of MB more between collections, bounded by the live heap, not the shard
 * (300 % saved a little more CPU but grew test/reliability/memory.test.ts's RSS past its bound).
 */
export const HEAP_GROWING_PERCENT = 200;

export function inFlightFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[IN_FLIGHT_ENV];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`${IN_FLIGHT_ENV}: expected a whole number from 1 to 64, got "${raw}"`);
  return n;
}

let gcPaced = false;
let externalPaced = false;

/** Once per process: fewer full collections for Buffer-heavy shard work (see above). */
export function paceGcForShards(): void {
  if (gcPaced) return;
  gcPaced = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * Functions whose live Buffers are a few samples in flight, bounded well under their memory:
 * a curate sample is at most a 64 MiB member plus its pixels at the resize's longest edge
 * (≤ 8192 px), a few samples in flight (curate 3538 MB, caption 10240 MB). Download is left out: its `concurrency` images in flight may
 * hold 1 GiB live (32 × 32 MiB), and garbage allowed in proportion to that would pass its
 * 2048 MB.
 */
const EXTERNAL_PACED: ReadonlySet<OperatorFunction> = new Set(['curate', 'caption']);

/**
 * Once per process, for a segment of `fn`: Buffers (image members, read chunks, sharp's
 * outputs) count toward V8's growing global limit instead of a fixed 64 MB of external memory
 * since the last full collection. Every image allocates ~1.6 MB of Buffers that die within a
 * few samples; the fixed allowance marked the whole ~30 MB heap every ~40 images (~70 ms of
 * CPU each), the growing one every ~100 (BENCHMARKS.md). The garbage allowed is then about
 * twice the live memory (HEAP_GROWING_PERCENT): +60–100 MB of RSS for pairs-basic's curate.
 */
export function paceGcForSegment(fn: OperatorFunction): void {
  paceGcForShards();
  if (externalPaced || !EXTERNAL_PACED.has(fn)) return;
  externalPaced = true;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}

/**
 * With several samples in flight, each sharp pipeline gets one libvips thread: the samples
 * themselves fill the cores, and more threads per pipeline only add hand-offs (CPU per image
 * rises). One at a time, sharp's own default (a thread per core) is left alone.
 */
export function useThreadsFor(inFlight: number): void {
  if (inFlight > 1) sharp.concurrency(1);
}
