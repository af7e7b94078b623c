/** Progress events of a local run, for a CLI progress display or a test. */
import { isJsonObject, type JsonValue } from './asl';
import type { MapProgress } from './distributed-map';

export type StatePhase = 'entered' | 'exited' | 'failed' | 'retried' | 'caught';

export type RunEvent =
  | {
      readonly type: 'execution';
      readonly phase: 'started' | 'succeeded' | 'failed';
      readonly executionName: string;
      readonly error?: string;
    }
  | {
      readonly type: 'state';
      readonly phase: StatePhase;
      readonly state: string;
      readonly stateType: string;
      readonly error?: string;
    }
  | ({ readonly type: 'map' } & MapProgress)
  | {
      /** Plan returned: the run id and folder, and each source's shards (done before: resumed). */
      readonly type: 'plan';
      readonly runId: string;
      readonly runRoot: string;
      readonly stages: Readonly<
        Record<string, { readonly shards: number; readonly pending: number }>
      >;
    }
  | {
      /** A shard finished its stage (its last segment): the samples it counted. */
      readonly type: 'shard';
      readonly stage: string;
      readonly shard: string;
      readonly in: number;
      readonly kept: number;
    }
  | {
      readonly type: 'batch';
      readonly state: string;
      readonly jobName: string;
      readonly jobId: string;
      readonly logFile: string;
    };

const PHASES: Readonly<Record<string, StatePhase>> = {
  StateEntered: 'entered',
  StateExited: 'exited',
  StateFailed: 'failed',
  StateRetried: 'retried',
  StateCaught: 'caught',
};

/** A state event from one of the interpreter's event-log entries, or undefined for other entries. */
export function stateEventFrom(entry: {
  type: string;
  state?: { name: string; type: string };
  Error?: string;
}): RunEvent | undefined {
  const phase = PHASES[entry.type];
  if (!phase || !entry.state) return undefined;
  return {
    type: 'state',
    phase,
    state: entry.state.name,
    stateType: entry.state.type,
    ...(entry.Error !== undefined ? { error: entry.Error } : {}),
  };
}

/** The 'plan' event from Plan's result (RunContext), or undefined for another shape. */
export function planEventOf(result: JsonValue): RunEvent | undefined {
  if (!isJsonObject(result)) return undefined;
  const { runId, runRoot, stages } = result;
  if (typeof runId !== 'string' || typeof runRoot !== 'string' || !isJsonObject(stages))
    return undefined;
  const counts: Record<string, { shards: number; pending: number }> = {};
  for (const [stage, plan] of Object.entries(stages)) {
    if (isJsonObject(plan) && typeof plan.shards === 'number' && typeof plan.pending === 'number')
      counts[stage] = { shards: plan.shards, pending: plan.pending };
  }
  return { type: 'plan', runId, runRoot, stages: counts };
}

/**
 * The 'shard' event from a shard task's result, when the request was the stage's last segment
 * (earlier segments count only part of the chain); undefined otherwise.
 */
export function shardEventOf(result: JsonValue, request: JsonValue): RunEvent | undefined {
  if (!isJsonObject(result) || !isJsonObject(request)) return undefined;
  const task = request.task;
  if (!isJsonObject(task) || !Array.isArray(task.segments)) return undefined;
  if (request.segment !== task.segments.length - 1) return undefined;
  const { stage, shard, in: count, kept } = result;
  if (typeof stage !== 'string' || typeof shard !== 'string') return undefined;
  if (typeof count !== 'number' || typeof kept !== 'number') return undefined;
  return { type: 'shard', stage, shard, in: count, kept };
}
