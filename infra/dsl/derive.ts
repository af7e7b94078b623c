/**
 * A pipeline built on another one (pairs-connector on pairs-basic, cauldron on pairs-connector):
 * its run parameters and a source's operator chain, reused as they are, so the two never drift.
 */
import { RESERVED_PARAMS } from '../../core/ir';
import type { ParamDef } from './params';
import type { Pipeline } from './pipeline';
import type { SourceBuilder } from './source-builder';

/** The base pipeline's parameters with their types, defaults and bounds (reserved ones excluded: every pipeline has them). */
export function inheritedParams(base: Pipeline): Record<string, ParamDef<unknown>> {
  return Object.fromEntries(
    Object.entries(base.graph.params)
      .filter(([name]) => !Object.hasOwn(RESERVED_PARAMS, name))
      .map(([name, spec]) => [name, { spec }]),
  );
}

/** Applies the base source's operator chain, with the same arguments (parameter references included). */
export function inheritedChain(
  base: Pipeline,
  sourceName: string,
): (s: SourceBuilder) => SourceBuilder {
  const source = base.graph.sources.find((s) => s.name === sourceName);
  if (!source) throw new Error(`${base.name} has no "${sourceName}" source`);
  return (builder) =>
    source.ops.reduce((s, use) => {
      const operator = base.operators.find((op) => op.kind === use.op);
      if (!operator) throw new Error(`${base.name}: no declaration for operator ${use.op}`);
      return s.apply(operator, use.args);
    }, builder);
}
