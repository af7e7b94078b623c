/**
 * Stage 3 of a run-scoped dedup: the first segment of the rest of the stage drops this shard's
 * losers, each rejected as `dedup.exact:duplicate` or `dedup.phash:near_duplicate` with a detail
 * naming the sample kept. It runs through the ordinary segment code (runSegment), so counts,
 * rejects shards, idempotency and the stats marker work exactly as for any other segment.
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
import { DEDUP_REJECTS } from '../../core/dedup-spec';
import { ShardError } from '../../core/errors';
import { runSegment } from './segment';

const filterParams = z.strictObject({ stage: z.string().min(1), generation: z.string().min(1) });

async function loadDrops(
  args: z.output<typeof filterParams>,
  ctx: OperatorContext,
): Promise<Map<string, Drop>> {
  const prefix = dropsPrefixUri(ctx.runRoot, args.stage, args.generation, ctx.shardKey);
  const lists: DropList[] = [];
  for await (const object of storageFor(prefix).list(prefix))
    lists.push(await readJson<DropList>(object.uri));
  return mergeDrops(lists);
}

function describe(drop: Drop): string {
  const kept = `${drop.keptShard}/${drop.keptKey}`;
  return drop.distance === undefined ? `kept ${kept}` : `kept ${kept} (distance ${drop.distance})`;
}

function filterFor<R extends string>(reason: R) {
  return async (
    args: z.output<typeof filterParams>,
    ctx: OperatorContext,
  ): Promise<OperatorInstance<R>> => {
    const drops = await loadDrops(args, ctx);
    return {
      process(sample) {
        const drop = drops.get(sample.key);
        return drop ? { keep: false, reason, detail: describe(drop) } : { keep: true, sample };
      },
    };
  };
}

/** Named like the within-shard operators so that counts read `dedup.exact:duplicate`. */
const exactFilter = defineOperator({
  kind: DEDUP_REJECTS.exact.op,
  fn: 'curate',
  description: 'Drops the samples a run-scoped exact dedup decided against',
  params: filterParams,
  reasons: [DEDUP_REJECTS.exact.reason],
  create: filterFor(DEDUP_REJECTS.exact.reason),
});

const phashFilter = defineOperator({
  kind: DEDUP_REJECTS.phash.op,
  fn: 'curate',
  description: 'Drops the samples a run-scoped near-duplicate dedup decided against',
  params: filterParams,
  reasons: [DEDUP_REJECTS.phash.reason],
  create: filterFor(DEDUP_REJECTS.phash.reason),
});

const FILTER_REGISTRY = registryFrom([exactFilter, phashFilter]);

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
  const segments = task.segments.map((s, i) =>
    i === segment
      ? { ...s, ops: [{ ...use, args: { ...use.args, generation: task.dedup.generation } }] }
      : s,
  );
  return runSegment({ task: { ...task, segments }, segment }, FILTER_REGISTRY);
}
