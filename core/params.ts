/**
 * Run parameters: declared in the pipeline (type, default, bounds), resolved at the start of
 * each run from the execution input. The same checks run at definition time on the defaults.
 */
export const PARAM_TYPES = {
  number: 'number',
  integer: 'integer',
  string: 'string',
  boolean: 'boolean',
} as const;
export type ParamType = keyof typeof PARAM_TYPES;

export interface ParamSpec {
  readonly type: ParamType;
  readonly default: number | string | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly enum?: readonly (string | number)[];
  readonly description?: string;
  /**
   * A storage location (a string parameter): a bare key such as `models/tiny-lm` lies under the
   * run's data root, as a source's bare input does, so a default can name what the stack
   * deploys into its bucket. Plan resolves it to a full URI before anything reads it.
   */
  readonly location?: true;
}

export type ParamValue = number | string | boolean;

/** Checks one value against its spec; returns a message naming the field, or undefined. */
export function checkParam(name: string, spec: ParamSpec, value: unknown): string | undefined {
  const where = `params.${name}`;
  const typeOk =
    spec.type === 'boolean'
      ? typeof value === 'boolean'
      : spec.type === 'string'
        ? typeof value === 'string'
        : typeof value === 'number' &&
          Number.isFinite(value) &&
          (spec.type === 'number' || Number.isInteger(value));
  if (!typeOk)
    return `${where}: expected ${spec.type === 'integer' ? 'an integer' : `a ${spec.type}`}, got ${JSON.stringify(value)}`;
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min)
      return `${where}: ${value} is below the minimum ${spec.min}`;
    if (spec.max !== undefined && value > spec.max)
      return `${where}: ${value} is above the maximum ${spec.max}`;
  }
  if (spec.enum && !spec.enum.includes(value as string | number)) {
    return `${where}: ${JSON.stringify(value)} is not one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return undefined;
}

export class ParamError extends Error {
  override readonly name = 'ParamError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid run parameters: ${problems.join('; ')}`);
  }
}

/** Defaults overlaid with the given values; throws ParamError listing every problem. */
export function resolveParams(
  specs: Readonly<Record<string, ParamSpec>>,
  given: Readonly<Record<string, unknown>> = {},
): Record<string, ParamValue> {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ParamError([`params: expected an object, got ${JSON.stringify(given)}`]);
  }
  const problems: string[] = [];
  const known = Object.keys(specs);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(specs, name)) {
      problems.push(`params.${name}: unknown parameter (known: ${known.join(', ') || 'none'})`);
    }
  }
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    const problem = checkParam(name, spec, value);
    if (problem) problems.push(problem);
    else out[name] = value as ParamValue;
  }
  if (problems.length > 0) throw new ParamError(problems);
  return out;
}
