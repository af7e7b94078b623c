/**
 * Fills the definition's `${Placeholder}`s the way CDK's definitionSubstitutions would, with
 * fake but well-formed ARNs (the interpreter validates ARN syntax) and the run's data root.
 */
import type { JsonValue } from './asl';
import {
  LAMBDA_FUNCTION_NAMES,
  functionOfPlaceholder,
  type LambdaFunctionName,
} from '../../core/functions';
import { PLACEHOLDER_PATTERN } from '../../core/placeholders';

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';

/** A Lambda function of the pipeline (core/functions.ts), as the local runner calls it. */
export type LambdaRole = LambdaFunctionName;

export function localFunctionArn(role: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:vlmflow-${role}`;
}

/** The role whose local ARN (or bare function name) this is, or undefined. */
export function roleOfFunction(functionName: string): LambdaRole | undefined {
  const name = functionName.split(':function:').pop()?.split(':')[0] ?? functionName;
  return LAMBDA_FUNCTION_NAMES.find((role) => name === `vlmflow-${role}`);
}

/** The value for one placeholder name, or undefined if the runner does not know it. */
export function localValueFor(name: string, dataRoot: string): string | undefined {
  if (name === 'DataRoot') return dataRoot;
  const fn = functionOfPlaceholder(name);
  if (fn) return localFunctionArn(fn);
  const queue = /^(.+)JobQueueArn$/.exec(name);
  if (queue?.[1])
    return `arn:aws:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-queue/vlmflow-${queue[1].toLowerCase()}`;
  const jobDef = /^(.+)JobDefinitionArn$/.exec(name);
  if (jobDef?.[1]) {
    return `arn:aws:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-definition/vlmflow-${jobDef[1].toLowerCase()}:1`;
  }
  return undefined;
}

/**
 * Replaces every `${Name}` in every string of the definition. `explicit` values win over the
 * local defaults; a placeholder neither knows is an error, so nothing reaches the interpreter
 * half-substituted.
 */
export function substitutePlaceholders(
  definition: JsonValue,
  dataRoot: string,
  explicit: Readonly<Record<string, string>> = {},
): JsonValue {
  const unknown = new Set<string>();
  const fill = (text: string): string =>
    text.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
      const value = Object.hasOwn(explicit, name) ? explicit[name] : localValueFor(name, dataRoot);
      if (value === undefined) {
        unknown.add(name);
        return whole;
      }
      return value;
    });
  const walk = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return fill(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [fill(key), walk(inner)]),
      );
    }
    return value;
  };
  const out = walk(definition);
  if (unknown.size > 0)
    throw new Error(
      `definition has placeholders the local runner cannot fill: ${[...unknown].join(', ')}`,
    );
  return out;
}
