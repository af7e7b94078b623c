/**
 * Evaluates payload templates and paths (ItemReader/ResultWriter Parameters, ItemSelector,
 * MaxConcurrencyPath …) with the interpreter's own JSONPath and intrinsic-function semantics,
 * by running a one-state Pass machine, instead of re-implementing them here.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { isJsonObject, type JsonObject, type JsonValue } from './asl';
import { executionFailure, statesRuntimeError } from './errors';

/**
 * The interpreter overwrites `$$.Execution.Input` and `$$.Execution.StartTime` with the Pass
 * machine's own input and start time; paths to them are redirected to copies of the real ones.
 */
const SHADOWED = /\$\$\.Execution\.(Input|StartTime)\b/g;
const SHADOW_PREFIX = 'Outer';

function redirectShadowed(template: JsonValue): JsonValue {
  if (typeof template === 'string')
    return template.replace(SHADOWED, `$$$$.Execution.${SHADOW_PREFIX}$1`);
  if (Array.isArray(template)) return template.map(redirectShadowed);
  if (isJsonObject(template)) {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, redirectShadowed(value)]),
    );
  }
  return template;
}

function withShadowCopies(context: JsonObject): JsonObject {
  const execution = isJsonObject(context.Execution) ? context.Execution : {};
  const copies: JsonObject = {};
  for (const field of ['Input', 'StartTime']) {
    const value = execution[field];
    if (value !== undefined) copies[`${SHADOW_PREFIX}${field}`] = value;
  }
  return { ...context, Execution: { ...execution, ...copies } };
}

/** Resolves a JSONPath payload template (`"key.$": "$.path"`, intrinsics) against input and context. */
export async function evaluateTemplate(
  template: JsonValue,
  input: JsonValue,
  context: JsonObject,
): Promise<JsonValue> {
  if (typeof template !== 'object' || template === null) return template;
  const definition = {
    StartAt: 'P',
    States: { P: { Type: 'Pass', Parameters: redirectShadowed(template), End: true } },
  } as unknown as StateMachineDefinition; // our JSON types are structurally the interpreter's
  const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  try {
    return (await machine.run(input, { context: withShadowCopies(context) }).result) as JsonValue;
  } catch (error) {
    const { Error: name, Cause } = executionFailure(error);
    throw statesRuntimeError(`${name}: ${Cause}`);
  }
}

/** The value a reference path (`$.a.b`, `$$.Map.Item.Value`) points to. */
export async function evaluatePath(
  path: string,
  input: JsonValue,
  context: JsonObject,
): Promise<JsonValue> {
  const result = await evaluateTemplate({ 'value.$': path }, input, context);
  return isJsonObject(result) ? (result.value ?? null) : null;
}
