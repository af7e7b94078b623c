/**
 * Implicit operator parameters (docs/parameters.md): every argument of every operator use can be
 * set per run as `<source>.<label>.<arg>`, where the label is the operator kind, with `#n` for
 * its n-th use in the source's chain. Plan validates the given values; the shard task applies
 * them when it creates the operator. Only given values travel in the run's params.
 */
import { z } from 'zod';
import type { OperatorDeclaration, OperatorUse } from './ops/operator';
import { MODE_DEFAULTS, RUN_DEDUP_KIND, runDedupRunArgs, type DedupMode } from './dedup-spec';

/** `kind`, or `kind#n` for the n-th use of a kind (the shard loop labels its timings alike). */
export function operatorLabels(kinds: readonly string[]): string[] {
  const uses = new Map<string, number>();
  return kinds.map((kind) => {
    const n = (uses.get(kind) ?? 0) + 1;
    uses.set(kind, n);
    return n === 1 ? kind : `${kind}#${n}`;
  });
}

/** `pairs.image.size`: what precedes `.<arg>` in the names of one use's implicit parameters. */
export const implicitPrefix = (stage: string, label: string): string => `${stage}.${label}`;

/**
 * The prefix of every operator use of a stage, per segment: labels count over all segments in
 * order, so a use keeps its name whichever task runs it. The compiler lays a stage out as the
 * source's operators in order (a run-scoped `.dedup()` becomes its filter operator in place),
 * so these are the names the DSL lists (infra/dsl/implicit-params.ts).
 */
export function implicitPrefixes(
  stage: string,
  segments: readonly { readonly ops: readonly Pick<OperatorUse, 'op'>[] }[],
): string[][] {
  const labels = operatorLabels(segments.flatMap((segment) => segment.ops.map((use) => use.op)));
  let at = 0;
  return segments.map((segment) =>
    segment.ops.map(() => implicitPrefix(stage, labels[at++] as string)),
  );
}

/**
 * The run's values for `<prefix>.<arg>` replace the use's arguments. Plan only lets through
 * names of arguments that are not bound to a declared parameter, so nothing else is replaced.
 */
export function withImplicitArgs(
  use: OperatorUse,
  prefix: string,
  params: Readonly<Record<string, unknown>>,
): { readonly use: OperatorUse; readonly applied: readonly string[] } {
  const start = `${prefix}.`;
  const given = Object.entries(params).filter(
    ([name]) => name.startsWith(start) && !name.slice(start.length).includes('.'),
  );
  if (given.length === 0) return { use, applied: [] };
  const args = { ...use.args };
  for (const [name, value] of given) args[name.slice(start.length)] = value;
  return { use: { ...use, args }, applied: given.map(([name]) => name) };
}

/**
 * The arguments of one use a run may set, with their JSON Schema: the scalar arguments of its
 * schema; for a run-scoped `.dedup()`, only those of its mode (never `mode`: it shapes the
 * compiled stages).
 */
export function settableArgSchemas(
  use: OperatorUse,
  declaration: OperatorDeclaration,
): Readonly<Record<string, ArgSchema>> {
  const all = scalarArgSchemas(declaration.params);
  if (use.op !== RUN_DEDUP_KIND) return all;
  const mode = use.args.mode as DedupMode;
  const allowed = runDedupRunArgs(mode);
  const defaults: Readonly<Record<string, string | number>> = MODE_DEFAULTS[mode];
  return Object.fromEntries(
    Object.entries(all)
      .filter(([arg]) => allowed.includes(arg))
      .map(([arg, schema]) => [
        arg,
        defaults[arg] === undefined ? schema : { ...schema, default: defaults[arg] },
      ]),
  );
}

/** JSON types an implicit parameter can have: run parameters are scalars (contracts.ts Params). */
export const SCALAR_TYPES = ['integer', 'number', 'string', 'boolean'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** What an argument's schema says about its values, as JSON Schema keywords. */
export interface ArgSchema {
  readonly type: ScalarType;
  readonly enum?: readonly (string | number | boolean)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** The schema's own default, when it has one. */
  readonly default?: string | number | boolean;
  readonly description?: string;
}

const KEPT_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'description',
] as const;

const bySchema = new WeakMap<z.ZodType, Readonly<Record<string, ArgSchema>>>();

/**
 * The arguments of an operator schema that can be run parameters (those with a scalar JSON
 * type), with their JSON Schema, in the schema's order. Read through zod's own JSON Schema
 * output, so any object schema works (refined, strict, with defaults); other arguments
 * (arrays, objects) are not settable per run.
 */
export function scalarArgSchemas(schema: z.ZodType): Readonly<Record<string, ArgSchema>> {
  const cached = bySchema.get(schema);
  if (cached) return cached;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const out: Record<string, ArgSchema> = {};
  for (const [arg, property] of Object.entries(json.properties ?? {})) {
    const scalar = typeof property === 'object' ? scalarOf(property) : undefined;
    if (scalar) out[arg] = scalar;
  }
  bySchema.set(schema, out);
  return out;
}

function scalarOf(p: z.core.JSONSchema.JSONSchema): ArgSchema | undefined {
  const type = p.type;
  if (typeof type !== 'string' || !(SCALAR_TYPES as readonly string[]).includes(type))
    return undefined;
  const out: Record<string, unknown> = { type };
  const values = p.enum ?? (p.const !== undefined ? [p.const] : undefined);
  if (values) out.enum = values;
  for (const key of KEPT_KEYWORDS) {
    const value = p[key];
    // zod writes JavaScript's safe-integer range on every integer: no information for a reader.
    if (value !== undefined && Math.abs(Number(value)) !== Number.MAX_SAFE_INTEGER)
      out[key] = value;
  }
  if (['string', 'number', 'boolean'].includes(typeof p.default)) out.default = p.default;
  return out as unknown as ArgSchema;
}
