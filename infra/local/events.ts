/** Progress events of a local run, for a CLI progress display or a test. */
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
