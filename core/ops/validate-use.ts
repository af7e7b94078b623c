/**
 * The one check of an operator use against its declaration: kind, function, parameter
 * references and arguments (the operator's own schema). The DSL runs it at definition time with
 * the parameters' defaults (infra/dsl/validate.ts adds the pipeline and stage to each problem),
 * Plan with the run's values, and the shard task before it creates the operator.
 */
import { z } from 'zod';
import { isParamRef, resolveArgs, type OperatorDeclaration, type OperatorUse } from './operator';
import { withImplicitArgs } from '../implicit-args';

/** kind → declaration (or, in a handler, kind → declaration paired with its implementation). */
export type OperatorRegistry<D extends OperatorDeclaration = OperatorDeclaration> = ReadonlyMap<
  string,
  D
>;

/** A bad operator use: unknown kind, wrong function, bad or unknown argument. */
export class OperatorConfigError extends Error {
  override readonly name = 'OperatorConfigError';
  /** Each problem reads `<field>: <what is wrong>`. */
  constructor(
    readonly op: string,
    readonly problems: readonly string[],
  ) {
    super(`${op}: ${problems.join('; ')}`);
  }
}

export interface ValidatedUse<D extends OperatorDeclaration = OperatorDeclaration> {
  readonly declaration: D;
  /** The arguments after resolving parameter references and applying the schema's defaults. */
  readonly args: unknown;
}

/**
 * Resolves `$param` references and validates the arguments; throws OperatorConfigError. With
 * `implicitPrefix` (`pairs.image.size`), the run's values for `<implicitPrefix>.<arg>` replace
 * the use's arguments first (implicit parameters, docs/parameters.md).
 */
export function validateOperatorUse<D extends OperatorDeclaration>(
  written: OperatorUse,
  registry: OperatorRegistry<D>,
  params: Readonly<Record<string, unknown>>,
  implicitPrefix?: string,
): ValidatedUse<D> {
  const { use, applied } =
    implicitPrefix === undefined
      ? { use: written, applied: [] }
      : withImplicitArgs(written, implicitPrefix, params);
  try {
    return validateWrittenUse(use, registry, params);
  } catch (error) {
    if (!(error instanceof OperatorConfigError) || applied.length === 0) throw error;
    const given = applied.map((name) => `${name}=${JSON.stringify(params[name])}`).join(', ');
    throw new OperatorConfigError(use.op, [...error.problems, `run parameters given: ${given}`]);
  }
}

function validateWrittenUse<D extends OperatorDeclaration>(
  use: OperatorUse,
  registry: OperatorRegistry<D>,
  params: Readonly<Record<string, unknown>>,
): ValidatedUse<D> {
  const declaration = registry.get(use.op);
  if (!declaration) {
    throw new OperatorConfigError(use.op, [
      `op: unknown operator (known: ${[...registry.keys()].sort().join(', ')})`,
    ]);
  }
  if (use.fn !== declaration.fn) {
    throw new OperatorConfigError(use.op, [
      `fn: expected "${declaration.fn}", received "${use.fn}"`,
    ]);
  }
  const unknownRefs = Object.entries(use.args).flatMap(([name, value]) =>
    isParamRef(value) && !Object.hasOwn(params, value.$param)
      ? [
          `${name}: refers to unknown parameter "${value.$param}" (known: ${Object.keys(params).sort().join(', ') || 'none'})`,
        ]
      : [],
  );
  if (unknownRefs.length > 0) throw new OperatorConfigError(use.op, unknownRefs);

  const result = declaration.params.safeParse(resolveArgs(use.args, params), { reportInput: true });
  if (!result.success) {
    const known =
      declaration.params instanceof z.ZodObject ? Object.keys(declaration.params.shape) : [];
    throw new OperatorConfigError(
      use.op,
      result.error.issues.flatMap((issue) => describeIssue(issue, known)),
    );
  }
  return { declaration, args: result.data };
}

/** One readable `field: problem` line per zod issue (per key for unknown keys). */
function describeIssue(issue: z.core.$ZodIssue, knownArgs: readonly string[]): string[] {
  const field = issue.path.reduce<string>(
    (out, key) =>
      typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key),
    '',
  );
  const at = (name: string) => (name ? `${name}: ` : '');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map(
        (key) =>
          `${at(field ? `${field}.${key}` : key)}unknown argument${field ? '' : ` (known: ${knownArgs.join(', ')})`}`,
      );
    case 'invalid_type':
      // zod reports a non-integer number as "expected int, received number": show the value.
      return issue.expected === 'int'
        ? [`${at(field)}expected an integer, received ${JSON.stringify(issue.input)}`]
        : [`${at(field)}expected ${issue.expected}, received ${received(issue.input)}`];
    case 'invalid_value':
      return [
        `${at(field)}expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${JSON.stringify(issue.input)}`,
      ];
    case 'too_small':
      return [
        `${at(field)}must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}${sizeOf(issue.origin)}, received ${JSON.stringify(issue.input)}`,
      ];
    case 'too_big':
      return [
        `${at(field)}must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${sizeOf(issue.origin)}, received ${JSON.stringify(issue.input)}`,
      ];
    default:
      return [`${at(field)}${issue.message}`];
  }
}

/** zod's type words for a value: string, number, array, null … */
function received(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return typeof input;
}

function sizeOf(origin: string): string {
  return origin === 'array' || origin === 'set'
    ? ' items'
    : origin === 'string'
      ? ' characters'
      : '';
}
