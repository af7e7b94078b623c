/**
 * `--param` flags of `run` and `start`: parsed by each parameter's type (declared, or an
 * implicit operator parameter's schema type) and, for `start`, checked with Plan's own rules.
 */
import type { Pipeline } from '../dsl';
import { implicitParamsOf, implicitUsesOf } from '../../core/implicit-params';
import { resolveRunParams } from '../../core/run-params';
import { BUILTIN_DECLARATIONS } from '../../core/ops';
import { declarationsByKind } from '../../core/ops/operator';
import { parseParamFlags } from './options';

/** What `run` and `start` need of a pipeline: its graph and, for custom operators, those. */
export type PipelineParts = Pick<Pipeline, 'graph'> & Partial<Pick<Pipeline, 'operators'>>;

const operatorsOf = (pipeline: PipelineParts) =>
  pipeline.operators ?? Object.values(BUILTIN_DECLARATIONS);

/**
 * Names and types are always checked; values only with `checkValues` (`start`: nothing reaches
 * AWS). A local run leaves values to Plan, whose failure is the run's summary.
 */
export function parseRunParams(
  flags: readonly string[],
  pipeline: PipelineParts,
  { checkValues }: { readonly checkValues: boolean },
): Record<string, unknown> {
  const { graph } = pipeline;
  const operators = operatorsOf(pipeline);
  const params = parseParamFlags(flags, graph.params, implicitParamsOf(graph, operators));
  if (!checkValues) return params;
  resolveRunParams(
    graph.params,
    params,
    implicitUsesOf(graph).map(({ name, use }) => ({ name, use })),
    declarationsByKind(operators),
  );
  return params;
}
