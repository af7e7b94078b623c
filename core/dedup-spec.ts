/**
 * Run-scoped deduplication, declared once: the DSL's `.dedup()` records a use of `dedup.run`
 * in the source's operator list, the compiler splits the stage there into hash → resolve →
 * filter stages (docs/dedup.md), and the handlers read the same arguments. The declaration
 * validates arguments like any operator's; it has no implementation, so it never runs inside a
 * fused chain.
 */
import { z } from 'zod';
import { declareOperator } from './ops/operator';

export const RUN_DEDUP_KIND = 'dedup.run';

export const DEDUP_MODES = ['exact', 'phash'] as const;
export type DedupMode = (typeof DEDUP_MODES)[number];

/** How a rejected sample is counted: `<op>:<reason>`, the same names as the within-shard operators. */
export const DEDUP_REJECTS = {
  exact: { op: 'dedup.exact', reason: 'duplicate' },
  phash: { op: 'dedup.phash', reason: 'near_duplicate' },
} as const satisfies Record<DedupMode, { op: string; reason: string }>;

/** Largest Hamming distance: k + 1 bands of a 64-bit hash must stay at least 4 bits wide. */
export const MAX_DISTANCE_LIMIT = 15;
export const MAX_PARTITIONS = 4096;

export const runDedupParams = z
  .strictObject({
    mode: z.enum(DEDUP_MODES),
    /** phash only: samples whose 64-bit perceptual hashes differ in at most this many bits. */
    maxDistance: z.number().int().min(0).max(MAX_DISTANCE_LIMIT).optional(),
    /** Hash records are split into this many partitions per band; one resolve task each. */
    partitions: z.number().int().min(1).max(MAX_PARTITIONS).default(64),
  })
  .refine((args) => args.mode === 'phash' || args.maxDistance === undefined, {
    message: 'maxDistance applies to mode "phash" only',
    path: ['maxDistance'],
  });

export type RunDedupArgs = z.output<typeof runDedupParams>;

/** Default Hamming distance for near-duplicates (pHash literature: ≤ 4 of 64 bits is "same picture"). */
export const DEFAULT_MAX_DISTANCE = 4;

export const runDedup = declareOperator({
  kind: RUN_DEDUP_KIND,
  fn: 'curate',
  description:
    'Drop exact (content hash) or near (64-bit perceptual hash) duplicates across every shard of the run; keeps the smallest (shard, key)',
  params: runDedupParams,
  reasons: ['duplicate', 'near_duplicate'],
});

/** The resolved configuration the dedup handlers receive. */
export interface DedupConfig {
  readonly mode: DedupMode;
  /** 0 for exact. */
  readonly maxDistance: number;
  readonly partitions: number;
  /** 1 for exact; maxDistance + 1 for phash (pigeonhole bands). */
  readonly bands: number;
}

export function dedupConfigOf(args: RunDedupArgs): DedupConfig {
  const maxDistance = args.mode === 'phash' ? (args.maxDistance ?? DEFAULT_MAX_DISTANCE) : 0;
  return {
    mode: args.mode,
    maxDistance,
    partitions: args.partitions,
    bands: args.mode === 'phash' ? maxDistance + 1 : 1,
  };
}
