/**
 * Which model timings a cost estimate uses. A measured run times every operator on the models
 * it ran with (often tiny test fixtures); `vlmflow cost --model <op>=<preset|run>` replaces one
 * operator's time per sample with a benchmarked real model's (a preset in the price file) or
 * with what another run, one with the real model, measured for that operator.
 */
import { BUILTIN_DECLARATIONS } from '../../core/ops/index';
import type { OperatorDeclaration } from '../../core/ops/operator';
import type { ModelPreset, Prices, RunMeasurements } from './cost';
import { funnelSteps } from './render-stage';
import type { RunData } from './types';

/** One operator's measured time in one stage, and the samples that reached it. */
export interface OperatorTiming {
  readonly stage: string;
  /** Its timings label (`model.classify`, `op#2` for a second use in a segment). */
  readonly op: string;
  readonly ms: number;
  readonly samples: number;
}

/** Where an operator's time per sample comes from in the estimate. */
export interface ModelTiming {
  readonly op: string;
  readonly msPerSample: number;
  /** `measured in <run>`, `preset <name> (<source>)`, or `measured in <other run>`. */
  readonly source: string;
  /** What the measured run itself gave, when replaced. */
  readonly replaced?: { readonly msPerSample: number; readonly runRoot: string };
}

export interface ModelChoice {
  readonly op: string;
  readonly msPerSample: number;
  readonly source: string;
}

/** Every operator's total ms in every stage, with the samples that reached it (chain funnel). */
export function operatorTimings(run: RunData): OperatorTiming[] {
  return run.stages.flatMap((stage) => {
    const chain = run.chains?.[stage.name] ?? [];
    const reached = new Map<string, number>();
    let before = stage.counts.in;
    for (const step of funnelSteps(stage.counts, chain)) {
      if (!reached.has(step.step)) reached.set(step.step, before);
      before = step.left;
    }
    return Object.entries(stage.opMs).map(([op, ms]) => ({
      stage: stage.name,
      op,
      ms,
      // An operator the run.json chain does not list (an older run): every input sample.
      samples: reached.get(kindOf(op)) ?? stage.counts.in,
    }));
  });
}

/** Operators whose declaration takes a model folder: the ones whose time is a model's. */
export function isModelOperator(op: string): boolean {
  const declaration = (BUILTIN_DECLARATIONS as Record<string, OperatorDeclaration | undefined>)[
    kindOf(op)
  ];
  return Object.values(declaration?.storageArgs ?? {}).includes('model');
}

/** A preset by name from the price file, checked against the operator it is given for. */
export function presetChoice(op: string, name: string, prices: Prices): ModelChoice {
  const presets = prices.modelPresets?.presets ?? {};
  const preset: ModelPreset | undefined = presets[name];
  if (!preset)
    throw new Error(
      `--model ${op}=${name}: no such preset; a run folder (with a "/") or one of: ${Object.keys(presets).join(', ') || '(none in the price file)'}`,
    );
  if (preset.op !== kindOf(op))
    throw new Error(`--model ${op}=${name}: preset ${name} times ${preset.op}, not ${kindOf(op)}`);
  return {
    op,
    msPerSample: preset.cpuMsPerImage,
    source: `preset ${name} (${preset.source})`,
  };
}

/** What another measured run timed for the operator (summed over its stages). */
export function measuredChoice(op: string, run: RunData): ModelChoice {
  const perSample = msPerSample(operatorTimings(run), op);
  if (perSample === undefined)
    throw new Error(`--model ${op}=${run.runRoot}: that run has no timings of ${op}`);
  return { op, msPerSample: perSample, source: `measured in ${run.runRoot}` };
}

/**
 * The measurements with the chosen operators' times replaced (time per sample × the samples
 * that reached them in the measured run), and the timing each model operator is priced with.
 */
export function applyModelChoices(
  measurements: RunMeasurements,
  run: RunData,
  choices: readonly ModelChoice[],
): { measurements: RunMeasurements; timings: ModelTiming[] } {
  const timings = operatorTimings(run);
  const known = [...new Set(timings.map((t) => t.op))];
  for (const choice of choices)
    if (!known.includes(choice.op))
      throw new Error(
        `--model ${choice.op}: the measured run ${run.runRoot} has no operator ${choice.op} (its operators: ${known.join(', ')})`,
      );
  let operatorMs = measurements.operatorMs;
  for (const choice of choices)
    for (const t of timings.filter((t) => t.op === choice.op))
      operatorMs += choice.msPerSample * t.samples - t.ms;
  const shown = known.filter(
    (op) => isModelOperator(op) || choices.some((choice) => choice.op === op),
  );
  return {
    measurements: { ...measurements, operatorMs },
    timings: shown.map((op): ModelTiming => {
      const measured = msPerSample(timings, op) ?? 0;
      const choice = choices.find((c) => c.op === op);
      return choice
        ? {
            op,
            msPerSample: choice.msPerSample,
            source: choice.source,
            replaced: { msPerSample: measured, runRoot: run.runRoot },
          }
        : { op, msPerSample: measured, source: `measured in ${run.runRoot}` };
    }),
  };
}

function msPerSample(timings: readonly OperatorTiming[], op: string): number | undefined {
  const mine = timings.filter((t) => t.op === op);
  const samples = mine.reduce((sum, t) => sum + t.samples, 0);
  return samples > 0 ? mine.reduce((sum, t) => sum + t.ms, 0) / samples : undefined;
}

/** `model.classify#2` → `model.classify`. */
const kindOf = (label: string): string => label.replace(/#\d+$/, '');
