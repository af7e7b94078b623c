import type { OperatorDeclaration } from '../../core/ops/operator';
import { PipelineValidationError } from './errors';
import type { PipelineGraph } from '../../core/ir';
import { newPipelineBuilder, type PipelineBuilder } from './pipeline-builder';
import { validateGraph } from './validate';

/** A validated pipeline: its plain JSON graph and the operator declarations it uses. */
export interface Pipeline {
  readonly name: string;
  readonly graph: PipelineGraph;
  /** Every operator the pipeline uses, built-in or declared beside it; one per kind. */
  readonly operators: readonly OperatorDeclaration[];
}

/** What a build callback returns: any builder, whatever parameters and datasets it declared. */
interface BuiltPipeline {
  build(): { graph: PipelineGraph; operators: readonly OperatorDeclaration[] };
}

/**
 * Defines a pipeline. Throws DslError on local mistakes while building and
 * PipelineValidationError listing every whole-graph problem.
 */
export function pipeline(name: string, build: (p: PipelineBuilder) => BuiltPipeline): Pipeline {
  const { graph, operators } = build(newPipelineBuilder(name)).build();
  const problems = validateGraph(graph, operators);
  if (problems.length > 0) throw new PipelineValidationError(name, problems);
  const unique = [...new Map(operators.map((op) => [op.kind, op])).values()];
  return Object.freeze({
    name,
    graph: deepFreeze(structuredClone(graph)),
    operators: Object.freeze(unique),
  });
}

export function isPipeline(value: unknown): value is Pipeline {
  const p = value as Pipeline;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof p.name === 'string' &&
    typeof p.graph === 'object'
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
