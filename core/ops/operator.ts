import type { z } from 'zod';
import type { Sample } from './sample';

/** Which Lambda function runs an operator; consecutive operators of one function are fused. */
export const OPERATOR_FUNCTIONS = { curate: 'curate', caption: 'caption' } as const;
export type OperatorFunction = keyof typeof OPERATOR_FUNCTIONS;

export type Outcome<R extends string> =
  | { readonly keep: true; readonly sample: Sample }
  | { readonly keep: false; readonly reason: R; readonly detail?: string };

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

export interface OperatorSpec<K extends string, S extends z.ZodType, R extends string> {
  readonly kind: K;
  readonly fn: OperatorFunction;
  readonly description: string;
  /** Parameters; the same schema types the DSL and validates at synth time and at cold start. */
  readonly params: S;
  /** Every reason this operator can reject with. */
  readonly reasons: readonly R[];
  create(
    params: z.output<S>,
    ctx: OperatorContext,
  ): OperatorInstance<R> | Promise<OperatorInstance<R>>;
}

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
 * handler's registry uses `create` with the same schema.
 */
export interface OperatorDeclaration<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  R extends string = string,
> extends OperatorSpec<K, S, R> {
  (args?: Partial<ArgsOf<S>>): OperatorUse;
}

export function defineOperator<K extends string, S extends z.ZodType, const R extends string>(
  spec: OperatorSpec<K, S, R>,
): OperatorDeclaration<K, S, R> {
  const use = (args: Partial<ArgsOf<S>> = {}): OperatorUse => ({
    op: spec.kind,
    fn: spec.fn,
    args: { ...(args as Record<string, unknown>) },
  });
  return Object.freeze(Object.assign(use, spec)) as OperatorDeclaration<K, S, R>;
}

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
