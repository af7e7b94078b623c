/**
 * Plan's check of a run's parameters: the declared ones (params.ts) and the implicit operator
 * parameters `<source>.<op label>.<arg>` (docs/parameters.md). An implicit value is validated
 * with the operator's own schema, on the use as the pipeline wrote it with the value in place,
 * so a bad value fails the run before any shard, with a message naming the parameter and the
 * operator. Only the values given are returned beside the declared ones: omitted implicit
 * parameters keep the pipeline's literal and never travel.
 */
import { isParamRef } from './ops/operator';
import { settableArgSchemas, withImplicitArgs } from './implicit-args';
import {
  OperatorConfigError,
  validateOperatorUse,
  type OperatorRegistry,
} from './ops/validate-use';
import { closeMatches } from './close-matches';
import type { ImplicitOperator } from './contracts';
import { ParamError, resolveParams, type ParamSpec, type ParamValue } from './params';

export function resolveRunParams(
  specs: Readonly<Record<string, ParamSpec>>,
  given: unknown,
  operators: readonly ImplicitOperator[],
  registry: OperatorRegistry,
): Record<string, ParamValue> {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ParamError([`params: expected an object, got ${JSON.stringify(given)}`]);
  }
  const entries = Object.entries(given as Record<string, unknown>);
  const problems: string[] = [];
  let declared: Record<string, ParamValue>;
  try {
    declared = resolveParams(
      specs,
      Object.fromEntries(entries.filter(([name]) => Object.hasOwn(specs, name))),
    );
  } catch (error) {
    if (!(error instanceof ParamError)) throw error;
    problems.push(...error.problems);
    declared = Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, s.default]));
  }

  const byName = new Map(operators.map((entry) => [entry.name, entry]));
  const implicit: Record<string, ParamValue> = {};
  const givenByUse = new Map<ImplicitOperator, string[]>();
  for (const [name, value] of entries) {
    if (Object.hasOwn(specs, name)) continue;
    const dot = name.lastIndexOf('.');
    const entry = dot > 0 ? byName.get(name.slice(0, dot)) : undefined;
    const arg = name.slice(dot + 1);
    const declaration = entry && registry.get(entry.use.op);
    const written = entry?.use.args[arg];
    if (entry && isParamRef(written)) {
      problems.push(
        `params.${name}: argument "${arg}" of operator ${entry.use.op} (${entry.name}) is bound to the pipeline parameter "${written.$param}"; set params.${written.$param} instead`,
      );
    } else if (
      !entry ||
      (declaration && !Object.hasOwn(settableArgSchemas(entry.use, declaration), arg))
    ) {
      problems.push(unknownMessage(name, specs, operators, registry));
    } else if (!isScalar(value)) {
      problems.push(
        `params.${name}: expected a number, string or boolean, got ${JSON.stringify(value)}`,
      );
    } else {
      implicit[name] = value;
      // Operators this Plan was not built with are checked when the shard task creates them.
      if (declaration) givenByUse.set(entry, [...(givenByUse.get(entry) ?? []), name]);
    }
  }

  for (const [entry, names] of givenByUse) {
    const { use } = withImplicitArgs(entry.use, entry.name, implicit);
    try {
      validateOperatorUse(use, registry, declared);
    } catch (error) {
      if (!(error instanceof OperatorConfigError)) throw error;
      problems.push(...attribute(error.problems, entry, names));
    }
  }
  if (problems.length > 0) throw new ParamError(problems);
  const sorted = Object.keys(implicit).sort();
  return { ...declared, ...Object.fromEntries(sorted.map((name) => [name, implicit[name]!])) };
}

const isScalar = (value: unknown): value is ParamValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Each `field: problem` goes to the parameter that set that field, else to all given. */
function attribute(
  problems: readonly string[],
  entry: ImplicitOperator,
  names: readonly string[],
): string[] {
  return problems.map((problem) => {
    const field = /^([A-Za-z0-9_$]+)[.[:]/.exec(problem)?.[1];
    const own = names.filter((name) => name === `${entry.name}.${field}`);
    const blamed = (own.length > 0 ? own : names).map((name) => `params.${name}`).join(', ');
    return `${blamed}: invalid for operator ${entry.use.op} (${entry.name}): ${problem}`;
  });
}

function unknownMessage(
  name: string,
  specs: Readonly<Record<string, ParamSpec>>,
  operators: readonly ImplicitOperator[],
  registry: OperatorRegistry,
): string {
  const declared = Object.keys(specs);
  const settable = operators.flatMap((entry) => {
    const declaration = registry.get(entry.use.op);
    if (!declaration) return [];
    return Object.keys(settableArgSchemas(entry.use, declaration))
      .filter((arg) => !isParamRef(entry.use.args[arg]))
      .map((arg) => `${entry.name}.${arg}`);
  });
  const close = closeMatches(name, [...declared, ...settable]);
  return (
    `params.${name}: unknown parameter (known: ${declared.join(', ') || 'none'})` +
    (close.length > 0 ? ` (close matches: ${close.join(', ')})` : '')
  );
}
