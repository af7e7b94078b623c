/**
 * The subset of Amazon States Language (JSONPath variant) that vlmflow emits, as a typed union
 * so renderers cannot produce a state Step Functions would reject for its shape.
 */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string | null;
  readonly Next: string;
}

/** Exactly one of Next / End. */
export type Transition =
  { readonly Next: string; readonly End?: never } | { readonly End: true; readonly Next?: never };

interface IoFields {
  readonly Comment?: string;
  readonly InputPath?: string;
  readonly OutputPath?: string;
  readonly ResultPath?: string | null;
  readonly ResultSelector?: JsonObject;
}

export type TaskState = IoFields &
  Transition & {
    readonly Type: 'Task';
    readonly Resource: string;
    readonly Parameters: JsonObject;
    readonly TimeoutSeconds: number;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

export type PassState = IoFields &
  Transition & { readonly Type: 'Pass'; readonly Parameters?: JsonObject };

export interface StateGraph {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

export type DistributedMapState = IoFields &
  Transition & {
    readonly Type: 'Map';
    readonly ItemProcessor: StateGraph & {
      readonly ProcessorConfig: {
        readonly Mode: 'DISTRIBUTED';
        readonly ExecutionType: 'STANDARD' | 'EXPRESS';
      };
    };
    readonly ItemReader: {
      readonly Resource: 'arn:aws:states:::s3:getObject';
      readonly ReaderConfig: { readonly InputType: 'JSON' };
      readonly Parameters: JsonObject;
    };
    readonly ItemSelector: JsonObject;
    readonly MaxConcurrencyPath: string;
    readonly ResultWriter: {
      readonly Resource: 'arn:aws:states:::s3:putObject';
      readonly Parameters: JsonObject;
    };
    readonly Label?: string;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  } & (
    | {
        readonly ToleratedFailurePercentagePath: string;
        readonly ToleratedFailurePercentage?: never;
      }
    | {
        readonly ToleratedFailurePercentage: number;
        readonly ToleratedFailurePercentagePath?: never;
      }
  );

export type ParallelState = IoFields &
  Transition & {
    readonly Type: 'Parallel';
    readonly Branches: readonly StateGraph[];
    readonly Catch?: readonly Catcher[];
  };

export interface SucceedState {
  readonly Type: 'Succeed';
  readonly Comment?: string;
  readonly OutputPath?: string;
}

export interface FailState {
  readonly Type: 'Fail';
  readonly Comment?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

export interface ChoiceState {
  readonly Type: 'Choice';
  readonly Comment?: string;
  readonly Choices: readonly {
    readonly Variable: string;
    readonly BooleanEquals: boolean;
    readonly Next: string;
  }[];
  readonly Default: string;
}

export type State =
  | ChoiceState
  | TaskState
  | PassState
  | DistributedMapState
  | ParallelState
  | SucceedState
  | FailState;

export interface StateMachineDefinition extends StateGraph {
  readonly Comment: string;
  readonly QueryLanguage: 'JSONPath';
  readonly TimeoutSeconds?: number;
}
