/**
 * The implicit operator parameters of a pipeline (docs/parameters.md): every scalar argument of
 * every operator use, named `<source>.<op label>.<arg>`, with the pipeline's literal (or the
 * operator's own default) as its default. Arguments bound to a declared parameter are listed
 * with `boundTo` and are set through that parameter instead.
 */
import { isParamRef, type OperatorDeclaration, type OperatorUse } from './ops/operator';
import {
  implicitPrefix,
  operatorLabels,
  settableArgSchemas,
  type ArgSchema,
} from './implicit-args';
import { DEDUP_REJECTS, RUN_DEDUP_KIND, type DedupMode } from './dedup-spec';
import type { PipelineGraph } from './ir';

/** One operator use whose arguments a run may set, as `<name>.<arg>`. */
export interface ImplicitUse {
  /** `<source>.<label>`, e.g. `pairs.image.size` or `pairs.text.length#2`. */
  readonly name: string;
  readonly stage: string;
  readonly label: string;
  readonly use: OperatorUse;
}

export interface ImplicitParam {
  /** `<source>.<label>.<arg>` */
  readonly name: string;
  readonly stage: string;
  readonly op: string;
  readonly label: string;
  readonly arg: string;
  readonly schema: ArgSchema;
  /** The pipeline's literal, else the operator's default; absent: the argument is unset. */
  readonly default?: string | number | boolean;
  /** The declared parameter the pipeline bound this argument to: set that one instead. */
  readonly boundTo?: string;
}

/**
 * Every operator use of every source, with its name prefix. Labels count uses of a kind in the
 * stage as compiled: a run-scoped `.dedup()` takes its filter operator's kind (dedup.exact,
 * dedup.phash, dedup.frequency or dedup.minhash) and place, exactly as the shard tasks see it
 * (implicitPrefixes); its arguments but `mode` are run parameters under that name.
 */
export function implicitUsesOf(graph: PipelineGraph): ImplicitUse[] {
  return graph.sources.flatMap((source) => {
    const kinds = source.ops.map((use) =>
      use.op === RUN_DEDUP_KIND ? DEDUP_REJECTS[use.args.mode as DedupMode].op : use.op,
    );
    const labels = operatorLabels(kinds);
    return source.ops.map((use, i) => ({
      name: implicitPrefix(source.name, labels[i]!),
      stage: source.name,
      label: labels[i]!,
      use,
    }));
  });
}

/** Every implicit parameter, bound ones included; uses of operators not given are skipped. */
export function implicitParamsOf(
  graph: PipelineGraph,
  operators: readonly OperatorDeclaration[],
): ImplicitParam[] {
  const byKind = new Map(operators.map((decl) => [decl.kind, decl]));
  return implicitUsesOf(graph).flatMap(({ name, stage, label, use }) => {
    const decl = byKind.get(use.op);
    if (!decl) return [];
    return Object.entries(settableArgSchemas(use, decl)).map(([arg, schema]) => {
      const written = use.args[arg];
      const literal =
        typeof written === 'string' || typeof written === 'number' || typeof written === 'boolean'
          ? written
          : undefined;
      const fallback = literal ?? schema.default;
      return {
        name: `${name}.${arg}`,
        stage,
        op: use.op,
        label,
        arg,
        schema,
        ...(isParamRef(written)
          ? { boundTo: written.$param }
          : fallback !== undefined && { default: fallback }),
      };
    });
  });
}

/** The implicit parameters a run may set: those not bound to a declared parameter. */
export const settableImplicitParams = (
  graph: PipelineGraph,
  operators: readonly OperatorDeclaration[],
): ImplicitParam[] => implicitParamsOf(graph, operators).filter((p) => p.boundTo === undefined);
