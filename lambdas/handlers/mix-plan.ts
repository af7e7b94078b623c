/**
 * The arithmetic of a weighted mixture: how many samples each dataset gives, and which shards
 * (whole, the last one partial, repeated in later epochs when upsampling) give them. Pure and
 * seeded, so a mixture is the same on every run with the same seed.
 */
import { MixError } from '../../core/errors';

/**
 * mulberry32. Hand-written rather than a library: it is ten lines, and a mixture must come out
 * the same for a given seed across library versions, which a dependency cannot promise.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One 32-bit state per (seed, stream name): each dataset shuffles independently of the others. */
export function streamSeed(seed: number, stream: string): number {
  let hash = 0x811c9dc5; // FNV-1a over the stream name
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 0x01000193);
  const high = Math.floor(seed / 4294967296);
  return (hash ^ (seed >>> 0) ^ Math.imul(high >>> 0, 0x9e3779b1)) >>> 0;
}

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The mixture's size: `samples` when given (> 0); otherwise the largest total for which no
 * dataset has to repeat a sample, min over weighted datasets of available_i / share_i.
 */
export function mixtureTotal(
  samples: number,
  available: readonly number[],
  weights: readonly number[],
): number {
  if (samples > 0) return samples;
  const sum = weights.reduce((a, b) => a + b, 0);
  let total = Infinity;
  weights.forEach((weight, i) => {
    if (weight > 0) total = Math.min(total, (available[i]! * sum) / weight);
  });
  // The tiny epsilon absorbs float error such as 99.99999999 for an exact 100.
  return Math.floor(total + 1e-9);
}

/**
 * n_i ≈ total × w_i / Σw, rounded by largest remainder (ties to the earlier dataset) so that
 * the n_i add up to exactly `total`; plain rounding can miss it by one per dataset.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((weight) => (total * weight) / sum);
  const counts = exact.map((x) => Math.floor(x + 1e-9));
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, remainder: x - counts[i]! }))
    .filter(({ i }) => weights[i]! > 0)
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (missing <= 0) break;
    counts[i]!++;
    missing--;
  }
  return counts;
}

export interface ShardChoice<S> {
  readonly shard: S;
  readonly take: number;
}

/**
 * Whole shards in a seeded order until `target` samples, the last one partial; when the
 * dataset has fewer samples than the target, further epochs reshuffle and repeat (upsampling).
 */
export function chooseShards<S extends { readonly samples: number }>(
  dataset: string,
  shards: readonly S[],
  target: number,
  random: () => number,
): ShardChoice<S>[] {
  const nonEmpty = shards.filter((shard) => shard.samples > 0);
  if (target > 0 && nonEmpty.length === 0) {
    throw new MixError(
      `dataset "${dataset}" has no samples to give the ${target} its weight asks for`,
    );
  }
  const chosen: ShardChoice<S>[] = [];
  let remaining = target;
  while (remaining > 0) {
    for (const shard of shuffled(nonEmpty, random)) {
      const take = Math.min(shard.samples, remaining);
      chosen.push({ shard, take });
      remaining -= take;
      if (remaining === 0) break;
    }
  }
  return chosen;
}
