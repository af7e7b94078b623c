/**
 * A run id is bound to what its data was made with: the definition hash, the resolved
 * parameters and the input URIs, written to `<runRoot>/run.json` by the run's first Plan. A
 * rerun of the id resumes only with the same ones; otherwise its done shards would be reused
 * under other settings and the dataset's lineage would name settings the data was not made
 * with. So Plan refuses, naming every difference, or (onChange "newRun") moves to a new id.
 */
import { isNotFound } from '../shards/not-found';
import { readJson, writeJson } from '../shards/json-io';
import type { Lineage, RunInput } from '../../core/contracts';
import { PlanError } from '../../core/errors';
import { runBindingUri, runRootOf } from '../../core/layout';
import { MAP_SETTINGS } from '../../core/ir';

export type RunBinding = Pick<Lineage, 'definitionHash' | 'params' | 'inputs'>;

/**
 * run.json: the binding, and beside it what the report needs of the definition: each source's
 * operator kinds in chain order (its funnel). Only the binding is compared on a rerun.
 */
export interface RunRecord extends RunBinding {
  readonly chains?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The binding of a run's settings: every parameter but the map settings, which say how the
 * maps run (concurrency, tolerated failures), not what a shard contains, so a resume may change
 * them (e.g. rerun with toleratedFailurePercentage 0 to complete the shards that failed).
 */
export function runBindingOf(lineage: RunBinding): RunBinding {
  return {
    definitionHash: lineage.definitionHash,
    params: Object.fromEntries(
      Object.entries(lineage.params).filter(([name]) => !Object.hasOwn(MAP_SETTINGS, name)),
    ),
    inputs: lineage.inputs,
  };
}

/** New ids tried for onChange "newRun" before giving up. */
const MAX_NEW_RUNS = 100;

/** Every setting that differs, by name: `params.minSide: 200 → 300`. */
export function bindingDifferences(before: RunBinding, now: RunBinding): string[] {
  const differences: string[] = [];
  if (before.definitionHash !== now.definitionHash)
    differences.push(
      `definition hash: ${before.definitionHash} → ${now.definitionHash} (the pipeline changed)`,
    );
  differences.push(...recordDifferences('params', before.params, now.params));
  differences.push(...recordDifferences('inputs', before.inputs, now.inputs));
  return differences;
}

function recordDifferences(
  prefix: string,
  before: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const show = (value: unknown) => (value === undefined ? 'not set' : JSON.stringify(value));
  return names
    .filter((name) => JSON.stringify(before[name]) !== JSON.stringify(now[name]))
    .map((name) => `${prefix}.${name}: ${show(before[name])} → ${show(now[name])}`);
}

async function readBinding(runRoot: string): Promise<RunBinding | undefined> {
  try {
    return await readJson<RunBinding>(runBindingUri(runRoot));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The run id (and root) this Plan writes to: the one asked for when it is new or bound to the
 * same settings (a resume), else a refusal listing the differences, or with onChange "newRun"
 * the first `<runId>-<n>` that is new or bound to the same settings. Binds a new run.
 */
export async function bindRun(
  dataRoot: string,
  pipeline: string,
  runId: string,
  binding: RunBinding,
  onChange: RunInput['onChange'],
  chains: RunRecord['chains'] = {},
): Promise<{ runId: string; runRoot: string }> {
  if (onChange !== undefined && onChange !== 'refuse' && onChange !== 'newRun')
    throw new PlanError(`onChange: expected "refuse" or "newRun", got ${JSON.stringify(onChange)}`);
  for (let n = 1; n <= MAX_NEW_RUNS; n++) {
    const id = n === 1 ? runId : `${runId}-${n}`;
    const runRoot = runRootOf(dataRoot, pipeline, id);
    const before = await readBinding(runRoot);
    if (before === undefined) {
      // Untagged: it lives as long as the run's stats markers (object-tags.ts).
      await writeJson(runBindingUri(runRoot), { ...binding, chains } satisfies RunRecord);
      return { runId: id, runRoot };
    }
    const differences = bindingDifferences(before, binding);
    if (differences.length === 0) return { runId: id, runRoot };
    if (onChange !== 'newRun')
      throw new PlanError(
        `run "${id}" of ${pipeline} was made with other settings, so its shards cannot be reused: ${differences.join('; ')}. ` +
          'Rerun with the same ones to resume it, use another run id, or ask for a new run (--new-run; execution input "onChange": "newRun").',
      );
  }
  throw new PlanError(`run "${runId}": runs ${runId}-2 … ${runId}-${MAX_NEW_RUNS} all exist`);
}
