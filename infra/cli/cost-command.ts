/**
 * `vlmflow cost`: the estimate of a measured run, or a projection to N samples from the
 * largest succeeded run of a pipeline. The arithmetic lives in lambdas/report/cost.ts (the
 * report shows the same estimate); this file finds the run and prints the table.
 */
import { readFile } from 'node:fs/promises';
import {
  DEFAULT_PRICES,
  estimateCost,
  gatherRunData,
  measureRun,
  projectCost,
  comparePerMillion,
  cpuMsPerImageOf,
  type CostEstimate,
  type PerMillion,
  type PerMillionComparison,
  type Prices,
} from '../../lambdas/report';
import {
  applyModelChoices,
  measuredChoice,
  presetChoice,
  type ModelChoice,
  type ModelTiming,
} from '../../lambdas/report/model-timings';
import type { RunSummary } from '../../core/contracts';
import { readJson } from '../../lambdas/shards/json-io';
import { storageFor } from '../../lambdas/shards/storage';
import { joinUri, normaliseUri } from '../../core/uri';
import { findPipeline } from './pipelines';

export interface CostFlags {
  readonly samples?: number;
  /** Samples per shard in a projection; default: the measured run's. */
  readonly shardSize?: number;
  readonly workdir: string;
  readonly from?: string;
  readonly prices?: string;
  /** `<op-label>=<preset or run folder>`: price that operator with that model's time per sample. */
  readonly model?: readonly string[];
}

export interface ResolvedCost {
  readonly estimate: CostEstimate;
  readonly runRoot: string;
  /** The time per sample each model operator is priced with, and where it comes from. */
  readonly modelTimings: readonly ModelTiming[];
  /** Model parameters the measured run set to random-weight test models. */
  readonly randomWeightModels: Readonly<Record<string, string>>;
  readonly presets: readonly string[];
}

export async function loadPrices(file: string): Promise<Prices> {
  const value = JSON.parse(await readFile(file, 'utf8')) as Partial<Prices>;
  // A partial file overrides the default section by section.
  return {
    ...DEFAULT_PRICES,
    ...value,
    assumptions: { ...DEFAULT_PRICES.assumptions, ...value.assumptions },
  };
}

/** A run folder or URI when the argument looks like one; otherwise a pipeline name. */
export async function resolveCostEstimate(target: string, flags: CostFlags): Promise<ResolvedCost> {
  const prices = flags.prices ? await loadPrices(flags.prices) : DEFAULT_PRICES;
  if (!looksLikeRun(target) && !flags.from && flags.samples === undefined)
    throw new Error(
      `"${target}" is a pipeline name: pass --samples N to project its cost, or give a run folder`,
    );
  const runRoot = await measuredRunRoot(target, flags);
  const run = await gatherRunData(runRoot);
  const choices = await Promise.all((flags.model ?? []).map((spec) => modelChoiceOf(spec, prices)));
  const { measurements, timings } = applyModelChoices(measureRun(run), run, choices);
  const estimate = estimateCost(measurements, prices);
  return {
    estimate:
      flags.samples === undefined
        ? estimate
        : projectCost(estimate, flags.samples, {
            ...(flags.shardSize ? { samplesPerShard: flags.shardSize } : {}),
          }),
    runRoot,
    modelTimings: timings,
    randomWeightModels: run.summary?.randomWeightModels ?? {},
    presets: Object.keys(prices.modelPresets?.presets ?? {}),
  };
}

/** `<op-label>=<preset>` or `<op-label>=<run folder or URI>`. */
async function modelChoiceOf(spec: string, prices: Prices): Promise<ModelChoice> {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1)
    throw new Error(
      `--model "${spec}": expected <operator>=<preset or run folder>, e.g. model.clip_score=clip-vit-base-patch32`,
    );
  const [op, value] = [spec.slice(0, eq), spec.slice(eq + 1)];
  return looksLikeRun(value)
    ? measuredChoice(op, await gatherRunData(normaliseUri(value)))
    : presetChoice(op, value, prices);
}

const looksLikeRun = (target: string) => /^(s3|file):\/\//.test(target) || target.includes('/');

/** The run folder given, or the largest succeeded run of the pipeline named. */
async function measuredRunRoot(target: string, flags: CostFlags): Promise<string> {
  if (looksLikeRun(target)) return normaliseUri(target);
  if (flags.from) return normaliseUri(flags.from);
  return largestSucceededRun(findPipeline(target).pipeline.name, normaliseUri(flags.workdir));
}

/**
 * `vlmflow cost <run-or-pipeline> --per-million`: dollars per million images on Lambda from
 * the CPU time the run's shard tasks measured, beside img2dataset on EC2 (per-million.ts).
 */
export async function resolvePerMillion(
  target: string,
  flags: CostFlags,
): Promise<{ comparison: PerMillionComparison; runRoot: string }> {
  const prices = flags.prices ? await loadPrices(flags.prices) : DEFAULT_PRICES;
  const runRoot = await measuredRunRoot(target, flags);
  const cpuMs = cpuMsPerImageOf(await gatherRunData(runRoot));
  return { comparison: comparePerMillion(cpuMs, prices), runRoot };
}

export function formatPerMillion(c: PerMillionComparison, runRoot: string): string {
  const row = (name: string, p: PerMillion) =>
    `${name}  $${p.usd.toFixed(3)} per million images  (${p.basis})`;
  return [
    `per million images, from ${c.cpuMsPerImage.toFixed(1)} ms CPU per image measured in ${runRoot}`,
    row('Lambda x86_64              ', c.lambda),
    row('Lambda arm64, same CPU ms  ', c.lambdaArm64SameCpu),
    row('img2dataset on EC2         ', c.img2datasetEc2),
    `ratio Lambda / img2dataset: ${(c.lambda.usd / c.img2datasetEc2.usd).toFixed(2)}×`,
  ].join('\n');
}

/** The succeeded run with the most input samples: the best-measured per-sample cost. */
async function largestSucceededRun(pipeline: string, dataRoot: string): Promise<string> {
  const prefix = joinUri(dataRoot, 'runs', `${pipeline}/`);
  let best: { runRoot: string; samples: number } | undefined;
  for await (const object of storageFor(prefix).list(prefix)) {
    const match = /^([^/]+)\/summary\.json$/.exec(object.uri.slice(prefix.length));
    if (!match) continue;
    const summary = await readJson<RunSummary>(object.uri).catch(() => undefined);
    if (summary?.status !== 'SUCCEEDED') continue;
    const samples = Object.values(summary.stages).reduce((sum, s) => sum + s.in, 0);
    if (!best || samples >= best.samples) best = { runRoot: joinUri(prefix, match[1]!), samples };
  }
  if (!best) {
    throw new Error(
      `no succeeded run of ${pipeline} under ${prefix} to measure from: run a sample first, e.g. ` +
        `vlmflow run ${pipeline} --local --max-shards 2 --workdir ${dataRoot.replace(/^file:\/\//, '')}`,
    );
  }
  return best.runRoot;
}

const perShard = (samples: number, shards: number): string =>
  shards > 0 ? String(Math.round(samples / shards)) : '?';

/** Which model timings the estimate used; a warning when the run's models were test fixtures. */
export function formatModelTimings(cost: ResolvedCost): string[] {
  if (cost.modelTimings.length === 0) return [];
  const width = Math.max(...cost.modelTimings.map((t) => t.op.length));
  const lines = [
    'model timings (ms per sample):',
    ...cost.modelTimings.map(
      (t) =>
        `  ${t.op.padEnd(width)}  ${t.msPerSample.toFixed(2).padStart(8)}  ${t.source}` +
        (t.replaced ? `, replacing ${t.replaced.msPerSample.toFixed(2)} measured in that run` : ''),
    ),
  ];
  const fixtures = Object.entries(cost.randomWeightModels);
  const unreplaced = cost.modelTimings.filter((t) => !t.replaced);
  if (fixtures.length > 0 && unreplaced.length > 0)
    lines.push(
      `warning: the measured run used random-weight test models (${fixtures.map(([p, uri]) => `${p}=${uri}`).join(', ')}): their timings are not a real model's; ` +
        `price real ones with --model <operator>=<preset or run folder> (presets: ${cost.presets.join(', ')})`,
    );
  return lines;
}

export function formatCostTable(estimate: CostEstimate, runRoot: string): string {
  const rows = estimate.lines.map((l) => [
    l.service,
    l.item,
    l.quantity === undefined ? 'not measured' : `${round(l.quantity)} ${l.unit}`,
    `$${l.usd.toFixed(6)}`,
    l.scales === 'samples'
      ? 'grows with samples'
      : l.scales === 'shards'
        ? 'grows with shards'
        : 'per run',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    [
      r[0]!.padEnd(widths[0]!),
      r[1]!.padEnd(widths[1]!),
      r[2]!.padStart(widths[2]!),
      r[3]!.padStart(widths[3]!),
      r[4],
    ].join('  '),
  );
  const projected = estimate.samples !== estimate.measuredSamples;
  const unmeasured = estimate.lines
    .filter((l) => l.quantity === undefined)
    .map(
      (l) =>
        `warning: ${l.item} is not measured (no wall time or samples/s in its metrics.json): $0 in the total`,
    );
  return [
    projected
      ? `projected cost for ${estimate.samples} input samples in ${estimate.shards} shards of ${perShard(estimate.samples, estimate.shards)} samples (--shard-size)`
      : `estimated cost of ${runRoot} (${estimate.samples} input samples)`,
    `rates measured on ${runRoot}: ${estimate.measuredSamples} samples in ${estimate.measuredShards} shards of ${perShard(estimate.measuredSamples, estimate.measuredShards)}, with the models and parameters that run used (a test run with tiny models or shards measures those, not production ones)`,
    ...lines,
    `total  $${estimate.totalUsd.toFixed(4)}  (${estimate.prices.region} list prices as of ${estimate.prices.asOf})`,
    ...unmeasured,
  ].join('\n');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
