/**
 * Benchmark helpers for test/bench/models.bench.ts: record every InferenceSession.run call an
 * operator makes (session, input tensors copied, output names) so a plain loop can replay
 * exactly those calls, same rows, shapes and steps; and time a run by CPU time and wall time.
 */
import { performance } from 'node:perf_hooks';
import type { InferenceSession, Ort } from '../../lambdas/models/session';

type Feeds = Parameters<InferenceSession['run']>[0];
type Run = (feeds: Feeds, fetches?: readonly string[]) => ReturnType<InferenceSession['run']>;

export interface RecordedCall {
  readonly session: InferenceSession;
  readonly feeds: Feeds;
  readonly fetches?: readonly string[];
}

/**
 * Runs `body` with every run() of `sessions` recorded. Input data is copied at the call: the
 * operator may reuse its buffers for the next batch.
 */
export async function recordRuns(
  ort: Ort,
  sessions: readonly InferenceSession[],
  body: () => Promise<unknown>,
): Promise<RecordedCall[]> {
  const calls: RecordedCall[] = [];
  const originals = sessions.map((session) => session.run);
  sessions.forEach((session, i) => {
    const original = originals[i]!.bind(session) as Run;
    const recording: Run = (feeds, fetches) => {
      const copy: Record<string, InstanceType<Ort['Tensor']>> = {};
      for (const [name, t] of Object.entries(feeds))
        copy[name] = new ort.Tensor(t.type as 'float32', (t.data as Float32Array).slice(), t.dims);
      calls.push({ session, feeds: copy, fetches: fetches ? [...fetches] : undefined });
      return original(feeds, fetches);
    };
    session.run = recording as InferenceSession['run'];
  });
  try {
    await body();
  } finally {
    sessions.forEach((session, i) => (session.run = originals[i]!));
  }
  return calls;
}

/** The recorded calls again, as plain session.run calls in the same order. */
export async function replay(calls: readonly RecordedCall[]): Promise<void> {
  for (const { session, feeds, fetches } of calls)
    await (session.run.bind(session) as Run)(feeds, fetches);
}

export interface Timing {
  /** CPU seconds of the whole process (every thread: onnxruntime, sharp, libuv). */
  readonly cpu: number;
  readonly wall: number;
}

export async function timeOnce(run: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - started) / 1000 };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Alternates `named` runs for `reps` rounds after one warm-up round (so a burst of load from
 * other processes hits every variant alike) and returns each variant's timings per round.
 */
export async function interleaved<K extends string>(
  reps: number,
  named: Record<K, () => Promise<unknown>>,
): Promise<Record<K, Timing[]>> {
  const keys = Object.keys(named) as K[];
  for (const key of keys) await named[key]();
  const out = Object.fromEntries(keys.map((k) => [k, [] as Timing[]])) as Record<K, Timing[]>;
  for (let i = 0; i < reps; i++) for (const key of keys) out[key].push(await timeOnce(named[key]));
  return out;
}
