/**
 * Per Lambda: the curate handler with several samples in flight against the sequential
 * handler, on the same shard in the same process, passes interleaved. The sequential handler
 * runs as it did before samples were in flight: one at a time, sharp's default thread pool
 * (a libvips thread per core); the in-flight one as the stack configures it (one libvips
 * thread per pipeline, the samples filling the cores).
 */
import sharp from 'sharp';
import type { ShardEvent } from '../../core/contracts';
import { createShardHandler } from '../../lambdas/handlers/curate';
import pairsBasic from '../../pipelines/pairs-basic';
import type { Measured } from './curate-bench-report';

export interface InFlightPasses {
  readonly sequential: readonly Measured[];
  readonly inFlight: readonly Measured[];
  readonly samplesInFlight: number;
}

export async function inFlightPasses(
  eventFor: (runId: string) => ShardEvent,
  samplesInFlight: number,
  reps: number,
  measure: (work: () => Promise<unknown>) => Promise<Measured>,
): Promise<InFlightPasses> {
  const sequentialHandler = createShardHandler(pairsBasic.operators, { inFlight: 1 });
  const inFlightHandler = createShardHandler(pairsBasic.operators, { inFlight: samplesInFlight });
  const threadsBefore = sharp.concurrency();
  const sequentialPass = (runId: string) => {
    sharp.concurrency(0); // sharp's default: one libvips thread per core
    return measure(() => sequentialHandler(eventFor(runId)));
  };
  const inFlightPass = (runId: string) => measure(() => inFlightHandler(eventFor(runId)));
  try {
    await sequentialPass('seq-warmup');
    await inFlightPass('inflight-warmup');
    const sequential: Measured[] = [];
    const inFlight: Measured[] = [];
    for (let rep = 0; rep < reps; rep++) {
      sequential.push(await sequentialPass(`seq-${rep}`));
      inFlight.push(await inFlightPass(`inflight-${rep}`));
    }
    return { sequential, inFlight, samplesInFlight };
  } finally {
    sharp.concurrency(threadsBefore);
  }
}
