/**
 * The slice of Amazon States Language the local runner reads and rewrites. The definition
 * arrives as plain JSON from the compiler; these types only name what the runner touches and
 * keep everything else as JSON.
 */
export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A state, kept as JSON: the runner rewrites some states and passes the rest through untouched. */
export type AslState = JsonObject & { Type: string };

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: JsonValue | Record<string, AslState>;
}

export const RESOURCES = {
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
  batchSubmitJobSync: 'arn:aws:states:::batch:submitJob.sync',
  s3GetObject: 'arn:aws:states:::s3:getObject',
  s3PutObject: 'arn:aws:states:::s3:putObject',
  /** What a rewritten Distributed Map becomes: a Task run by the runner itself. */
  localDistributedMap: 'arn:aws:states:::vlmflow:distributedMap',
} as const;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAslState(value: unknown): value is AslState {
  return isJsonObject(value) && typeof value.Type === 'string';
}

/** Narrows a JSON value to a state machine (`{StartAt, States}`), or throws naming `where`. */
export function asMachine(value: unknown, where: string): AslMachine {
  if (!isJsonObject(value) || typeof value.StartAt !== 'string' || !isJsonObject(value.States)) {
    throw new Error(`${where}: expected a state machine with StartAt and States`);
  }
  for (const [name, state] of Object.entries(value.States)) {
    if (!isAslState(state)) throw new Error(`${where}: state "${name}" has no Type`);
  }
  return value as AslMachine;
}

export function isDistributedMap(state: AslState): boolean {
  const processor = state.ItemProcessor;
  return (
    state.Type === 'Map' &&
    isJsonObject(processor) &&
    isJsonObject(processor.ProcessorConfig) &&
    processor.ProcessorConfig.Mode === 'DISTRIBUTED'
  );
}

export function optionalString(obj: JsonObject, field: string): string | undefined {
  const value = obj[field];
  return typeof value === 'string' ? value : undefined;
}

export function optionalNumber(obj: JsonObject, field: string): number | undefined {
  const value = obj[field];
  return typeof value === 'number' ? value : undefined;
}

/** Deep copy of JSON; also turns any non-JSON value (undefined, Date, Buffer) into its JSON form. */
export function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}
