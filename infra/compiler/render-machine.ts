import type { PipelineGraph } from '../../core/ir';
import { isParamRef } from '../../core/ops/operator';
import type {
  Catcher,
  FailState,
  ParallelState,
  State,
  StateMachineDefinition,
  Transition,
} from './asl';
import { STATE_NAMES } from './names';
import { renderSourceStates, sourceStateNames } from './render-dedup';
import type { Rendered } from './render-map';
import {
  renderMix,
  renderPlan,
  renderRecordFailure,
  renderSummarize,
  renderTrain,
  renderTrainConfig,
  renderTrainSwitch,
} from './render-stages';
import { catchAll } from './tasks';

/**
 * Plan → curate every source (a Distributed Map + Finalize each; a Parallel state when there
 * are several) → Mix … → Train … → Summarize. Any failure goes to Record failure → Run failed.
 */
/** The machine, with every problem a renderer found (compile refuses a machine that has any). */
export function renderMachine(
  graph: PipelineGraph,
  definitionHash: string,
  version: string,
): Rendered<StateMachineDefinition> {
  const problems: string[] = [];
  const catchers: Catcher[] = catchAll(STATE_NAMES.recordFailure, '$.failure');
  const order: string[] = [STATE_NAMES.plan];
  const single = graph.sources.length === 1;
  if (single) order.push(...sourceStateNames(graph.sources[0]!));
  else order.push(STATE_NAMES.sources);
  for (const mix of graph.mixes) order.push(STATE_NAMES.mix(mix.name));
  for (const train of graph.trains) {
    if (isParamRef(train.enabled)) order.push(STATE_NAMES.trainSwitch(train.name));
    order.push(STATE_NAMES.trainConfig(train.name), STATE_NAMES.train(train.name));
  }
  order.push(STATE_NAMES.summarize);
  const after = (name: string): Transition => ({ Next: order[order.indexOf(name) + 1] as string });

  const states: Record<string, State> = {};
  states[STATE_NAMES.plan] = renderPlan(graph, definitionHash, version, {
    transition: after(STATE_NAMES.plan),
    catchers,
  });
  if (single) {
    const source = graph.sources[0]!;
    const rendered = renderSourceStates(graph.name, source, {
      transition: after(STATE_NAMES.finalize(source.name)),
      catchers,
    });
    Object.assign(states, rendered.state);
    problems.push(...rendered.problems);
  } else {
    const rendered = renderSources(graph, after(STATE_NAMES.sources), catchers);
    states[STATE_NAMES.sources] = rendered.state;
    problems.push(...rendered.problems);
  }
  for (const mix of graph.mixes) {
    states[STATE_NAMES.mix(mix.name)] = renderMix(graph.name, mix, {
      transition: after(STATE_NAMES.mix(mix.name)),
      catchers,
    });
  }
  for (const train of graph.trains) {
    if (isParamRef(train.enabled)) {
      const name = STATE_NAMES.trainSwitch(train.name);
      states[name] = renderTrainSwitch(
        train,
        train.enabled.$param,
        STATE_NAMES.trainConfig(train.name),
        after(STATE_NAMES.train(train.name)).Next as string,
      );
    }
    states[STATE_NAMES.trainConfig(train.name)] = renderTrainConfig(
      train,
      after(STATE_NAMES.trainConfig(train.name)),
    );
    states[STATE_NAMES.train(train.name)] = renderTrain(graph.name, train, {
      transition: after(STATE_NAMES.train(train.name)),
      catchers,
    });
  }
  states[STATE_NAMES.summarize] = renderSummarize(graph.name);
  states[STATE_NAMES.recordFailure] = renderRecordFailure(graph.name);
  const failed: FailState = {
    Type: 'Fail',
    Comment: 'The run failed; summary.json records why',
    ErrorPath: '$.failure.Error',
    CausePath: '$.failure.Cause',
  };
  states[STATE_NAMES.failed] = failed;

  return {
    state: {
      Comment: `vlmflow pipeline "${graph.name}"${graph.description ? `: ${graph.description}` : ''}`,
      QueryLanguage: 'JSONPath',
      StartAt: STATE_NAMES.plan,
      States: states,
    },
    problems,
  };
}

/** Several sources are curated side by side; each branch yields its DatasetRef. */
function renderSources(
  graph: PipelineGraph,
  transition: Transition,
  catchers: readonly Catcher[],
): Rendered<ParallelState> {
  const branches = graph.sources.map((source) => ({
    source,
    rendered: renderSourceStates(graph.name, source, {
      transition: { End: true },
      catchers: [],
      finalizeOutputPath: `$.datasets.${source.name}`,
    }),
  }));
  return {
    state: {
      Type: 'Parallel',
      Comment: `Sources ${graph.sources.map((s) => s.name).join(', ')}`,
      Branches: branches.map(({ source, rendered }) => ({
        StartAt: STATE_NAMES.map(source.name),
        States: rendered.state,
      })),
      ResultSelector: Object.fromEntries(graph.sources.map((s, i) => [`${s.name}.$`, `$[${i}]`])),
      ResultPath: '$.datasets',
      Catch: catchers,
      ...transition,
    },
    problems: branches.flatMap(({ rendered }) => rendered.problems),
  };
}
