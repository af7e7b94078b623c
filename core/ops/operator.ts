import type { z } from 'zod';
import type { LambdaFunctionName } from '../functions';
import type { Sample } from './sample';
import type { MeasuredStats, StatSpec } from './stats';

/** Which Lambda function runs an operator; consecutive operators of one function are fused. */
export const OPERATOR_FUNCTIONS = {
  /** Fetches the images of a URL list (`format: 'urls'`): the first segment of such a stage. */
  download: 'download',
  curate: 'curate',
  caption: 'caption',
} as const satisfies Record<string, LambdaFunctionName>;
export type OperatorFunction = keyof typeof OPERATOR_FUNCTIONS;

/**
 * What an operator decided about a sample. Either way it may report what it measured (`stats`,
 * names declared in OperatorSpec.stats): the shard loop counts them into histograms and writes
 * a kept sample's into its json.
 */
export type Outcome<R extends string> =
  | { readonly keep: true; readonly sample: Sample; readonly stats?: MeasuredStats }
  | {
      readonly keep: false;
      readonly reason: R;
      readonly detail?: string;
      readonly stats?: MeasuredStats;
    };

/** Keep the sample (possibly a new one: operators never mutate their input). */
export const keep = (sample: Sample): { readonly keep: true; readonly sample: Sample } => ({
  keep: true,
  sample,
});

/**
 * Reject with one of the operator's own reasons: inside an implementation the type checker
 * infers the reason from the declaration, so `reject('typo')` does not compile.
 */
export const reject = <R extends string>(
  reason: R,
  detail?: string,
): { readonly keep: false; readonly reason: R; readonly detail?: string } =>
  detail === undefined ? { keep: false, reason } : { keep: false, reason, detail };

/** Per-shard (or per warm container) instance: holds state such as a dedup set or a model. */
export interface OperatorInstance<R extends string> {
  process(sample: Sample): Promise<Outcome<R>> | Outcome<R>;
  /**
   * Added, optional: several samples at once (a model runs one batch over them). The shard
   * loop passes up to `batchSize` samples that survived the operators before this one and
   * expects one outcome per sample, in the same order; the outcomes must be those `process`
   * would give one at a time. Operators without it are called per sample.
   */
  processBatch?(samples: readonly Sample[]): Promise<readonly Outcome<R>[]>;
  /** Added: the most samples one processBatch call takes (default 1). */
  readonly batchSize?: number;
  /**
   * Added, optional: true when an outcome depends on its sample alone (no state such as a
   * dedup set), so the shard loop may run `process` on several samples at once. Otherwise it
   * calls `process` in shard order, one sample at a time.
   */
  readonly concurrent?: boolean;
}

export interface OperatorContext {
  /** Storage root URI of the run, for operators that load lists or models. */
  readonly runRoot: string;
  readonly shardKey: string;
}

/** What both sides know of an operator: no implementation, so core and the DSL load no Lambda code. */
export interface OperatorSpec<K extends string, S extends z.ZodType, R extends string> {
  readonly kind: K;
  readonly fn: OperatorFunction;
  readonly description: string;
  /** Parameters; the same schema types the DSL and validates at synth time and at cold start. */
  readonly params: S;
  /** Every reason this operator can reject with; its implementation cannot use another. */
  readonly reasons: readonly R[];
  /**
   * Added, optional: arguments that name objects in storage, which Plan checks before any
   * shard runs: `model` (a model folder: SHA256SUMS and every file it lists) or `file` (one
   * object; an empty string means none).
   */
  readonly storageArgs?: Readonly<Record<string, StorageArgKind>>;
  /**
   * Added, optional: the numbers it measures per sample (Outcome.stats), each with fixed
   * histogram bins and the argument that thresholds it, for the report's histograms.
   */
  readonly stats?: Readonly<Record<string, StatSpec>>;
}

export type StorageArgKind = 'model' | 'file';

/** How an operator runs: one instance per shard (or warm container) from validated params. */
export type CreateOperator<S extends z.ZodType, R extends string> = (
  params: z.output<S>,
  ctx: OperatorContext,
) => OperatorInstance<R> | Promise<OperatorInstance<R>>;

/** Reference to a run parameter, usable wherever an operator argument is expected. */
export interface ParamRef<T> {
  readonly $param: string;
  /** Phantom: carries the parameter's type, never set at runtime. */
  readonly __type?: T;
}

export type ArgsOf<S extends z.ZodType> = {
  [K in keyof z.input<S>]: z.input<S>[K] | ParamRef<NonNullable<z.input<S>[K]>>;
};

/** One use of an operator in a pipeline: plain JSON, part of the IR. */
export interface OperatorUse {
  readonly op: string;
  readonly fn: OperatorFunction;
  readonly args: Readonly<Record<string, unknown>>;
}

/**
 * An operator declared once: calling it with arguments yields the IR node for the DSL; the
 * Lambda bundle pairs it with its implementation (implementOperator).
 */
export interface OperatorDeclaration<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  R extends string = string,
> extends OperatorSpec<K, S, R> {
  (args?: Partial<ArgsOf<S>>): OperatorUse;
}

/** A declaration paired with its implementation: what a handler's registry holds. */
export interface Operator<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  R extends string = string,
> extends OperatorDeclaration<K, S, R> {
  /** The declaration this implements (itself for an operator defined in one piece). */
  readonly declaration: OperatorDeclaration<K, S, R>;
  readonly create: CreateOperator<S, R>;
}

export function declareOperator<K extends string, S extends z.ZodType, const R extends string>(
  spec: OperatorSpec<K, S, R>,
): OperatorDeclaration<K, S, R> {
  const { kind, fn, description, params, reasons, storageArgs, stats } = spec;
  const use = (args: Partial<ArgsOf<S>> = {}): OperatorUse => ({
    op: kind,
    fn,
    args: { ...(args as Record<string, unknown>) },
  });
  const declaration: OperatorDeclaration<K, S, R> = Object.assign(use, {
    kind,
    fn,
    description,
    params,
    reasons,
    ...(storageArgs ? { storageArgs } : {}),
    ...(stats ? { stats } : {}),
  });
  return Object.freeze(declaration);
}

/**
 * Pairs a declaration with its implementation. The reasons are the declaration's: an outcome
 * with any other reason does not compile.
 */
export function implementOperator<K extends string, S extends z.ZodType, R extends string>(
  declaration: OperatorDeclaration<K, S, R>,
  implementation: { readonly create: CreateOperator<NoInfer<S>, NoInfer<R>> },
): Operator<K, S, R> {
  const use = (args?: Partial<ArgsOf<S>>): OperatorUse => declaration(args);
  // The declaration's own fields (kind, fn, schema, reasons…) are copied as declareOperator set them.
  const operator: Operator<K, S, R> = Object.assign(use, declaration, {
    declaration,
    create: implementation.create,
  });
  return Object.freeze(operator);
}

/**
 * Declaration and implementation in one piece, for an operator written beside a pipeline (its
 * implementation travels in `Pipeline.operators`). The reasons are inferred from `reasons` only.
 */
export function defineOperator<K extends string, S extends z.ZodType, const R extends string>(
  spec: OperatorSpec<K, S, R> & {
    create(params: z.output<S>, ctx: OperatorContext): ReturnType<CreateOperator<S, NoInfer<R>>>;
  },
): Operator<K, S, R> {
  return implementOperator(declareOperator(spec), { create: spec.create.bind(spec) });
}

/** Whether a declaration carries its implementation. */
export const isImplemented = (declaration: OperatorDeclaration): declaration is Operator =>
  typeof (declaration as Partial<Operator>).create === 'function';

export function isParamRef(value: unknown): value is ParamRef<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ParamRef<unknown>).$param === 'string'
  );
}

/** Replaces parameter references with the run's resolved values. */
export function resolveArgs(
  args: Readonly<Record<string, unknown>>,
  params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (isParamRef(value)) {
      if (!(value.$param in params))
        throw new Error(`argument "${name}" refers to unknown parameter "${value.$param}"`);
      out[name] = params[value.$param];
    } else out[name] = value;
  }
  return out;
}

/** The declaration an operator implements (a bare declaration is its own). */
export const declarationOf = (operator: OperatorDeclaration): OperatorDeclaration =>
  isImplemented(operator) ? operator.declaration : operator;

/** kind → declaration; throws on two different declarations of one kind. */
export function declarationsByKind(
  operators: readonly OperatorDeclaration[],
): ReadonlyMap<string, OperatorDeclaration> {
  const byKind = new Map<string, OperatorDeclaration>();
  for (const operator of operators) {
    const seen = byKind.get(operator.kind);
    if (seen && declarationOf(seen) !== declarationOf(operator))
      throw new Error(`operator "${operator.kind}" is declared twice`);
    byKind.set(operator.kind, operator);
  }
  return byKind;
}
