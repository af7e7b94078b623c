/**
 * Prepares a compiled definition for the interpreter, in memory only: each Distributed Map
 * becomes a Task the runner handles itself (the interpreter would ignore ItemReader,
 * ResultWriter and tolerated failures), every Task gets an explicit timeout (the interpreter's
 * default is 60 s where AWS has none), and every Task is classified so that each one gets a
 * local handler (a Task without one would call real AWS Lambda).
 */
import {
  asMachine,
  isDistributedMap,
  isJsonObject,
  RESOURCES,
  type AslMachine,
  type AslState,
  type JsonObject,
} from './asl';

/** AWS's default Task timeout is 99999999 s; Node timers overflow past 2^31-1 ms, so cap there. */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Fields a Distributed Map shares with a Task; everything else is the map runner's business. */
const KEPT_MAP_FIELDS = [
  'Comment',
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
];

export type TaskKind = 'lambda' | 'batch' | 'distributedMap';

export interface PreparedMachine {
  readonly definition: AslMachine;
  /** Every Task state in the whole machine (nested ones included), by name. */
  readonly tasks: ReadonlyMap<string, { readonly kind: TaskKind; readonly timeoutSeconds: number }>;
  /** The original Distributed Map states (their ItemProcessor prepared too), by state name. */
  readonly distributedMaps: ReadonlyMap<string, AslState>;
  /** States with a Retry field, for retryIntervalOverrides. */
  readonly retryStates: ReadonlySet<string>;
}

function taskKind(name: string, state: AslState): TaskKind {
  if (state.Resource === RESOURCES.lambdaInvoke) return 'lambda';
  if (state.Resource === RESOURCES.batchSubmitJobSync) return 'batch';
  throw new Error(
    `Task "${name}" uses ${JSON.stringify(state.Resource)}, which the local runner cannot run`,
  );
}

function timeoutOf(state: AslState): number {
  const given = state.TimeoutSeconds;
  return typeof given === 'number' && given > 0
    ? Math.min(given, MAX_TIMEOUT_SECONDS)
    : MAX_TIMEOUT_SECONDS;
}

function rejectJsonata(where: string, obj: JsonObject): void {
  if (obj.QueryLanguage === 'JSONata') {
    throw new Error(
      `${where}: QueryLanguage JSONata is not supported by the local runner (JSONPath only)`,
    );
  }
}

export function prepareMachine(raw: unknown): PreparedMachine {
  const tasks = new Map<string, { kind: TaskKind; timeoutSeconds: number }>();
  const distributedMaps = new Map<string, AslState>();
  const retryStates = new Set<string>();

  const register = (name: string, kind: TaskKind, timeoutSeconds: number): void => {
    // Lambda handlers dispatch on FunctionName, so a reused name is harmless; the others are keyed by name.
    const existing = tasks.get(name);
    if (existing && (existing.kind !== 'lambda' || kind !== 'lambda')) {
      throw new Error(
        `state name "${name}" is used twice; the local runner keys ${kind} Tasks by name`,
      );
    }
    tasks.set(name, { kind, timeoutSeconds });
  };

  const prepare = (machineJson: unknown, where: string): AslMachine => {
    const machine = asMachine(machineJson, where);
    rejectJsonata(where, machine);
    const states: Record<string, AslState> = {};
    for (const [name, state] of Object.entries(machine.States)) {
      rejectJsonata(`state "${name}"`, state);
      if (Array.isArray(state.Retry)) retryStates.add(name);
      states[name] = prepareState(name, state);
    }
    return { ...machine, States: states };
  };

  const prepareState = (name: string, state: AslState): AslState => {
    if (state.Type === 'Task') {
      const timeoutSeconds = timeoutOf(state);
      register(name, taskKind(name, state), timeoutSeconds);
      // TimeoutSecondsPath is left to the interpreter, which honours it.
      return state.TimeoutSecondsPath === undefined
        ? { ...state, TimeoutSeconds: timeoutSeconds }
        : state;
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      return {
        ...state,
        Branches: state.Branches.map(
          (b, i) => prepare(b, `${name}.Branches[${i}]`) as unknown as JsonObject,
        ),
      };
    }
    if (state.Type !== 'Map') return state;
    const processorField = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
    const processorJson = state[processorField];
    const processor = prepare(processorJson, `${name}.${processorField}`);
    const processorConfig = isJsonObject(processorJson) ? processorJson.ProcessorConfig : undefined;
    const prepared: AslState = {
      ...state,
      [processorField]: {
        ...processor,
        ...(processorConfig ? { ProcessorConfig: processorConfig } : {}),
      } as unknown as JsonObject,
    };
    if (!isDistributedMap(state)) return prepared;
    distributedMaps.set(name, prepared);
    register(name, 'distributedMap', MAX_TIMEOUT_SECONDS);
    const task: AslState = {
      Type: 'Task',
      Resource: RESOURCES.localDistributedMap,
      TimeoutSeconds: MAX_TIMEOUT_SECONDS,
    };
    for (const field of KEPT_MAP_FIELDS) {
      const value = state[field];
      if (value !== undefined) task[field] = value;
    }
    return task;
  };

  const definition = prepare(raw, 'definition');
  return { definition, tasks, distributedMaps, retryStates };
}

/** The `{StartAt, States, ...}` of a Map's processor, without its ProcessorConfig. */
export function processorOf(mapState: AslState): AslMachine {
  const raw = mapState.ItemProcessor ?? mapState.Iterator;
  if (!isJsonObject(raw)) throw new Error('Map state has no ItemProcessor');
  const machine: JsonObject = { ...raw };
  delete machine.ProcessorConfig;
  return asMachine(machine, 'ItemProcessor');
}
