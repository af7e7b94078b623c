/**
 * Stage 3 of a run-scoped dedup: the first segment of the rest of the stage drops this shard's
 * losers, each rejected as `dedup.exact:duplicate`, `dedup.phash:near_duplicate`,
 * `dedup.minhash:near_duplicate_text` (a detail naming the sample kept) or
 * `dedup.frequency:frequent_url|frequent_image` (a detail with the count). It runs through the
 * ordinary segment code (runSegment), so counts, rejects shards, idempotency and the stats
 * marker work exactly as for any other segment.
 */
import { z } from 'zod';
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import { registryFrom } from '../ops/index';
import {
  defineOperator,
  type OperatorContext,
  type OperatorInstance,
} from '../../core/ops/operator';
import type { ShardResult } from '../../core/contracts';
import type { DedupFilterEvent } from '../../core/dedup-contracts';
import { dropsPrefixUri, mergeDrops, type Drop, type DropList } from './dedup-drops';
import {
  DEDUP_REJECTS,
  FREQUENCY_KEYS,
  FREQUENCY_REASONS,
  type DedupConfig,
  type DedupMode,
} from '../../core/dedup-spec';
import { ShardError } from '../../core/errors';
import { runSegment } from './segment';
import { implicitPrefixes } from '../../core/implicit-args';

const filterParams = z.strictObject({
  stage: z.string().min(1),
  generation: z.string().min(1),
  /** frequency only, for the detail and the reason. */
  key: z.enum(FREQUENCY_KEYS).optional(),
  maxOccurrences: z.number().int().min(1).optional(),
});
type FilterArgs = z.output<typeof filterParams>;

async function loadDrops(args: FilterArgs, ctx: OperatorContext): Promise<Map<string, Drop>> {
  const prefix = dropsPrefixUri(ctx.runRoot, args.stage, args.generation, ctx.shardKey);
  const lists: DropList[] = [];
  for await (const object of storageFor(prefix).list(prefix))
    lists.push(await readJson<DropList>(object.uri));
  return mergeDrops(lists);
}

function describe(drop: Drop, args: FilterArgs): string {
  if ('occurrences' in drop)
    return `${args.key ?? 'url'} occurs ${drop.occurrences} times in the run (max ${args.maxOccurrences})`;
  const kept = `${drop.keptShard}/${drop.keptKey}`;
  return drop.distance === undefined ? `kept ${kept}` : `kept ${kept} (distance ${drop.distance})`;
}

function filterFor<R extends string>(reasonOf: (args: FilterArgs) => R) {
  return async (args: FilterArgs, ctx: OperatorContext): Promise<OperatorInstance<R>> => {
    const drops = await loadDrops(args, ctx);
    const reason = reasonOf(args);
    return {
      process(sample) {
        const drop = drops.get(sample.key);
        return drop
          ? { keep: false, reason, detail: describe(drop, args) }
          : { keep: true, sample };
      },
    };
  };
}

/** One filter per mode, named so that counts read `<op>:<reason>` (DEDUP_REJECTS). */
function filterOf<M extends DedupMode>(
  mode: M,
  description: string,
  reasonOf: (args: FilterArgs) => (typeof DEDUP_REJECTS)[M]['reasons'][number],
) {
  return defineOperator({
    kind: DEDUP_REJECTS[mode].op,
    fn: 'curate',
    description,
    params: filterParams,
    reasons: DEDUP_REJECTS[mode].reasons,
    create: filterFor(reasonOf),
  });
}

const FILTER_REGISTRY = registryFrom([
  filterOf(
    'exact',
    'Drops the samples a run-scoped exact dedup decided against',
    () => 'duplicate',
  ),
  filterOf(
    'phash',
    'Drops the samples a run-scoped near-duplicate dedup decided against',
    () => 'near_duplicate',
  ),
  filterOf(
    'minhash',
    'Drops the samples a run-scoped MinHash text dedup decided against',
    () => 'near_duplicate_text',
  ),
  filterOf(
    'frequency',
    'Drops every sample whose URL or image occurs too often in the run',
    (args) => FREQUENCY_REASONS[args.key ?? 'url'],
  ),
]);

/** What the filter needs besides the generation: a frequency dedup's key and limit. */
function filterArgsOf(config: DedupConfig): Record<string, unknown> {
  return config.mode === 'frequency'
    ? { key: config.key, maxOccurrences: config.maxOccurrences }
    : {};
}

export async function filterShard(event: DedupFilterEvent): Promise<ShardResult> {
  const { task, segment } = event;
  const filter = task.segments[segment];
  const use = filter?.ops[0];
  const expected = DEDUP_REJECTS[task.dedup.config.mode].op;
  if (!use || filter.ops.length !== 1 || use.op !== expected) {
    throw new ShardError(
      `stage "${task.stage}" shard "${task.item.key}": segment ${segment} is not a ${expected} filter`,
    );
  }
  // The generation is known only once every shard is hashed: it joins the compiled arguments here.
  const args = {
    ...use.args,
    generation: task.dedup.generation,
    ...filterArgsOf(task.dedup.config),
  };
  const segments = task.segments.map((s, i) =>
    i === segment ? { ...s, ops: [{ ...use, args }] } : s,
  );
  // The run's values for `<prefix>.<arg>` are the dedup's (already in task.dedup.config), not
  // arguments of this filter, which shares its name.
  const prefix = `${implicitPrefixes(task.stage, task.segments)[segment]![0]!}.`;
  const params = Object.fromEntries(
    Object.entries(task.params).filter(([name]) => !name.startsWith(prefix)),
  );
  return runSegment({ task: { ...task, params, segments }, segment }, FILTER_REGISTRY);
}
