import {
  declarationOf,
  isParamRef,
  type OperatorDeclaration,
  type OperatorUse,
} from '../../core/ops/operator';
import {
  OperatorConfigError,
  validateOperatorUse,
  type OperatorRegistry,
} from '../../core/ops/validate-use';
import type { Arg, PipelineGraph } from '../../core/ir';
import { DEDUP_MODES, RUN_DEDUP_KIND } from '../../core/dedup-spec';

/**
 * Whole-graph checks, run once the pipeline is built. Returns every problem found; each message
 * names the pipeline, the stage and the field.
 */
export function validateGraph(
  graph: PipelineGraph,
  operators: readonly OperatorDeclaration[],
): string[] {
  const problems: string[] = [];
  const at = (stage: string) => `pipeline "${graph.name}", stage "${stage}"`;

  if (graph.sources.length === 0)
    problems.push(`pipeline "${graph.name}": no source; add one with .source()`);

  const byKind = new Map<string, OperatorDeclaration>();
  for (const decl of operators) {
    const seen = byKind.get(decl.kind);
    if (seen && declarationOf(seen) !== declarationOf(decl)) {
      problems.push(
        `pipeline "${graph.name}": two different operators are declared with kind "${decl.kind}"`,
      );
    }
    byKind.set(decl.kind, decl);
  }

  const defaults = Object.fromEntries(
    Object.entries(graph.params).map(([k, spec]) => [k, spec.default]),
  );
  for (const source of graph.sources) {
    if (!source.uri) problems.push(`${at(source.name)}: uri is empty`);
    if (!source.pattern) problems.push(`${at(source.name)}: pattern is empty`);
    for (const use of source.ops) {
      if (use.op === RUN_DEDUP_KIND && isParamRef(use.args.mode))
        problems.push(
          `${at(source.name)}, dedup: mode must be one of "${DEDUP_MODES.join('", "')}", not a parameter (it shapes the compiled stages)`,
        );
    }
    source.ops.forEach((use, i) => {
      const where = `${at(source.name)}, operator #${i + 1} ${use.op}`;
      problems.push(...checkOperatorUse(use, byKind, defaults, where));
    });
  }

  const datasets = new Set<string>(graph.sources.map((s) => s.name));
  for (const mix of graph.mixes) {
    if (mix.inputs.length === 0) problems.push(`${at(mix.name)}: weights: no input dataset`);
    for (const input of mix.inputs) {
      const field = `${at(mix.name)}, weights.${input.dataset}`;
      if (!datasets.has(input.dataset)) {
        problems.push(
          `${field}: unknown dataset "${input.dataset}" (defined before this stage: ${[...datasets].join(', ') || 'none'})`,
        );
      }
      problems.push(...checkNumberArg(input.weight, defaults, field, 0));
    }
    problems.push(...checkNumberArg(mix.samples, defaults, `${at(mix.name)}, samples`, 0));
    problems.push(...checkNumberArg(mix.seed, defaults, `${at(mix.name)}, seed`, 0));
    datasets.add(mix.name);
  }
  const multiNode = graph.trains.filter((t) => t.nodes !== undefined).map((t) => t.name);
  if (multiNode.length > 0 && multiNode.length < graph.trains.length) {
    // One job definition serves every train stage, and Batch runs a multi-node one only.
    problems.push(
      `pipeline "${graph.name}": train stages ${multiNode.join(', ')} set nodes and the others do not; set nodes on all of them (1 for a single node) or on none`,
    );
  }
  for (const train of graph.trains) {
    if (!datasets.has(train.dataset)) {
      problems.push(
        `${at(train.name)}, dataset: unknown dataset "${train.dataset}" (known: ${[...datasets].join(', ') || 'none'})`,
      );
    }
    for (const [key, value] of Object.entries(train.config)) {
      if (key.endsWith('.$'))
        problems.push(
          `${at(train.name)}, config.${key}: keys ending in ".$" are reserved by Step Functions`,
        );
      if (isParamRef(value) && !Object.hasOwn(defaults, value.$param)) {
        problems.push(
          `${at(train.name)}, config.${key}: refers to unknown parameter "${value.$param}"`,
        );
      }
    }
    if (isParamRef(train.enabled)) {
      if (typeof defaults[train.enabled.$param] !== 'boolean') {
        problems.push(
          `${at(train.name)}, enabled: parameter "${train.enabled.$param}" is not a boolean parameter`,
        );
      }
    } else if (train.enabled !== true) {
      problems.push(
        `${at(train.name)}, enabled: use true or a boolean parameter (to switch training off per run)`,
      );
    }
    if (!Number.isInteger(train.gpus) || train.gpus < 0 || train.gpus > 8) {
      problems.push(`${at(train.name)}, gpus: expected an integer 0-8, got ${train.gpus}`);
    }
    if (train.nodes !== undefined)
      problems.push(...checkNodes(train.nodes, graph, `${at(train.name)}, nodes`));
  }
  return problems;
}

/**
 * The operator use checked by core's validateOperatorUse with the parameters' defaults; each
 * problem gets the pipeline, stage and operator in front and, for an argument bound to a
 * parameter, that parameter's name.
 */
function checkOperatorUse(
  use: OperatorUse,
  declarations: OperatorRegistry,
  defaults: Record<string, unknown>,
  where: string,
): string[] {
  try {
    validateOperatorUse(use, declarations, defaults);
    return [];
  } catch (error) {
    if (!(error instanceof OperatorConfigError)) throw error;
    return error.problems.map((problem) => {
      const field = /^([A-Za-z0-9_$]+): /.exec(problem)?.[1];
      const ref = field === undefined ? undefined : use.args[field];
      return isParamRef(ref) && Object.hasOwn(defaults, ref.$param)
        ? `${where}: ${field} (default of parameter "${ref.$param}")${problem.slice(field!.length)}`
        : `${where}: ${problem}`;
    });
  }
}

/** A multi-node job's node count: an integer 1-1000 (Batch's limit), or an integer parameter. */
function checkNodes(nodes: Arg<number>, graph: PipelineGraph, where: string): string[] {
  if (isParamRef(nodes)) {
    const spec = graph.params[nodes.$param];
    if (!spec) return [`${where}: refers to unknown parameter "${nodes.$param}"`];
    if (spec.type !== 'integer')
      return [`${where}: parameter "${nodes.$param}" is not an integer parameter`];
    return (spec.min ?? 0) >= 1
      ? []
      : [`${where}: parameter "${nodes.$param}" needs a minimum of at least 1`];
  }
  return Number.isInteger(nodes) && nodes >= 1 && nodes <= 1000
    ? []
    : [`${where}: expected an integer 1-1000, got ${JSON.stringify(nodes)}`];
}

function checkNumberArg(
  value: Arg<number>,
  defaults: Record<string, unknown>,
  where: string,
  min: number,
): string[] {
  if (isParamRef(value)) {
    if (!Object.hasOwn(defaults, value.$param))
      return [`${where}: refers to unknown parameter "${value.$param}"`];
    const d = defaults[value.$param];
    return typeof d === 'number' ? [] : [`${where}: parameter "${value.$param}" is not a number`];
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    return [`${where}: expected a number >= ${min}, got ${JSON.stringify(value)}`];
  }
  return [];
}
