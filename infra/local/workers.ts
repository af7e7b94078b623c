/**
 * Where the shard Lambdas (curate, caption) run locally. They are CPU bound (decode, resize,
 * re-encode), so the runner spreads them over the cores:
 *
 * - `processes` (default): forked Node processes, one shard each at a time, each with one
 *   libvips thread; nothing shared but the disk.
 * - `threads`: a piscina pool of worker threads; less memory, but the threads share one
 *   process's libvips (operation cache, thread pool) and malloc arenas.
 * - `in-process`: the runner's own thread; sharp's libvips threads still overlap, but the
 *   JS parts (tar parsing, hashing, operator logic) serialise. Fastest start, simplest to debug.
 *
 * Every mode builds the handler from the pipeline module's operators, so custom operators
 * declared beside a pipeline work the same everywhere.
 */
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import type { JsonValue } from './asl';
import type { DeployedAccess, PrincipalName } from './deployed/access';
import type { InvocationControl } from './faults';
import { ProcessPool } from './process-pool';
import { errorFrom, runShardJob, type ShardJob, type ShardJobResult } from './shard-worker';

export const WORKER_MODES = ['threads', 'processes', 'in-process'] as const;
export type WorkerMode = (typeof WORKER_MODES)[number];

/**
 * Processes, by measurement (test/bench/local-concurrency.bench.ts, pairs-basic, 24 shards x
 * 24 samples, 2 cores, pool of 2, median of 5 interleaved rounds on a busy machine):
 * processes 4.14 shards/s, in-process 3.65, threads 3.51. Processes beat threads in every run
 * and matched or beat in-process; their extra start-up (~0.2 s) is noise next to a real run.
 */
export const DEFAULT_WORKER_MODE: WorkerMode = 'processes';

const WORKER_ENTRY = path.join(__dirname, 'shard-worker-bootstrap.cjs');

export interface ShardWorkerPool {
  readonly mode: WorkerMode;
  /** How many shards can run at once. */
  readonly size: number;
  /**
   * Runs one shard event; rejects with an Error carrying the handler error's name. With
   * `control.kill` (an injected crash or timeout) the worker dies mid-shard: a process is
   * SIGKILLed, a thread terminated; in-process, the shard finishes and its answer is dropped.
   */
  run(event: JsonValue, control?: InvocationControl, principal?: PrincipalName): Promise<JsonValue>;
  close(): Promise<void>;
}

export interface ShardWorkerPoolOptions {
  /** Absolute path of the pipeline module whose default export is the Pipeline. */
  readonly pipelineModule: string;
  readonly mode?: WorkerMode;
  /** @default the number of cores */
  readonly size?: number;
  /** Run each shard under its function's permissions in the deployed stack. */
  readonly access?: DeployedAccess;
}

/** A worker that died mid-shard: what Lambda reports for a crashed function. */
function crashed(error: unknown): Error {
  return errorFrom({
    name: 'Lambda.Unknown',
    message: `shard worker failed: ${(error as Error)?.message ?? String(error)}`,
  });
}

/** An injected crash or timeout (faults.ts), named as Step Functions would report it. */
function killed(errorName: string, how: string): Error {
  return errorFrom({ name: errorName, message: `shard worker killed: ${how} (injected fault)` });
}

function unwrap(result: ShardJobResult): JsonValue {
  if (result.ok) return result.result;
  throw errorFrom(result.error);
}

export function createShardWorkerPool(options: ShardWorkerPoolOptions): ShardWorkerPool {
  const mode = options.mode ?? DEFAULT_WORKER_MODE;
  const size = Math.max(1, options.size ?? availableParallelism());
  const pipelineModule = path.resolve(options.pipelineModule);
  const { access } = options;
  const job = (event: JsonValue, principal?: PrincipalName): ShardJob => ({
    pipelineModule,
    event,
    ...(access && principal ? { deployed: { access, principal } } : {}),
  });

  if (mode === 'in-process') {
    return {
      mode,
      size,
      run: async (event, control, principal) => {
        const result = await runShardJob(job(event, principal));
        if (control?.kill) throw killed(control.kill.errorName, 'the answer was dropped');
        return unwrap(result);
      },
      close: async () => {},
    };
  }
  if (mode === 'processes') {
    const pool = new ProcessPool(WORKER_ENTRY, size);
    return {
      mode,
      size,
      run: async (event, control, principal) =>
        unwrap(await pool.run(job(event, principal), control?.kill)),
      close: () => pool.close(),
    };
  }
  // glibc unloads sharp's shared libraries when the last thread using them exits unless the
  // main thread holds them too (sharp issue #2263).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('sharp');
  const pool = new Piscina({
    filename: WORKER_ENTRY,
    minThreads: size,
    maxThreads: size,
    idleTimeout: 60_000,
  });
  return {
    mode,
    size,
    run: async (event, control, principal) => {
      const kill = control?.kill;
      // Aborting a piscina task terminates its worker thread, wherever the shard has got to.
      const abort = kill ? AbortSignal.timeout(kill.afterMs) : undefined;
      const result = (await pool
        .run(job(event, principal), abort ? { signal: abort } : {})
        .catch((error: unknown) =>
          Promise.reject(kill ? killed(kill.errorName, 'thread terminated') : crashed(error)),
        )) as ShardJobResult;
      if (kill) throw killed(kill.errorName, 'the answer was dropped');
      return unwrap(result);
    },
    close: () => pool.destroy(),
  };
}
