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

export const DEDUP_MODES = ['exact', 'phash', 'frequency', 'minhash'] as const;
export type DedupMode = (typeof DEDUP_MODES)[number];

/** What a frequency dedup counts: the sample's URL, or its image's content hash. */
export const FREQUENCY_KEYS = ['url', 'image'] as const;
export type FrequencyKey = (typeof FREQUENCY_KEYS)[number];

/**
 * How a rejected sample is counted: `<op>:<reason>`. exact and phash use the names of the
 * within-shard operators; a frequency dedup's reason names its key.
 */
export const DEDUP_REJECTS = {
  exact: { op: 'dedup.exact', reasons: ['duplicate'] },
  phash: { op: 'dedup.phash', reasons: ['near_duplicate'] },
  frequency: { op: 'dedup.frequency', reasons: ['frequent_url', 'frequent_image'] },
  minhash: { op: 'dedup.minhash', reasons: ['near_duplicate_text'] },
} as const satisfies Record<DedupMode, { op: string; reasons: readonly string[] }>;

export const FREQUENCY_REASONS = {
  url: 'frequent_url',
  image: 'frequent_image',
} as const satisfies Record<FrequencyKey, (typeof DEDUP_REJECTS.frequency.reasons)[number]>;

/** Largest Hamming distance: k + 1 bands of a 64-bit hash must stay at least 4 bits wide. */
export const MAX_DISTANCE_LIMIT = 15;
export const MAX_PARTITIONS = 4096;

/** The options each mode takes besides `mode` and `partitions`. */
const MODE_OPTIONS = {
  exact: [],
  phash: ['maxDistance'],
  frequency: ['key', 'maxOccurrences'],
  minhash: ['ngram', 'bands', 'rows'],
} as const satisfies Record<DedupMode, readonly string[]>;
const ALL_MODE_OPTIONS = [...new Set(Object.values(MODE_OPTIONS).flat())];

export const runDedupParams = z
  .strictObject({
    mode: z.enum(DEDUP_MODES),
    /** phash only: samples whose 64-bit perceptual hashes differ in at most this many bits. */
    maxDistance: z.number().int().min(0).max(MAX_DISTANCE_LIMIT).optional(),
    /** Hash records are split into this many partitions per band; one resolve task each. */
    partitions: z.number().int().min(1).max(MAX_PARTITIONS).default(64),
    /** frequency only: count the sample's URL (json `url`, or a `url` member) or its image's content hash. */
    key: z.enum(FREQUENCY_KEYS).optional(),
    /** frequency only: a key seen more often than this in the run loses every sample that has it. */
    maxOccurrences: z.number().int().min(1).max(1_000_000_000).optional(),
    /** minhash only: words per shingle. */
    ngram: z.number().int().min(1).max(64).optional(),
    /** minhash only: LSH bands (buckets); two texts are candidates when one band agrees. */
    bands: z.number().int().min(1).max(64).optional(),
    /** minhash only: hashes per band; bands × rows hash functions in all. */
    rows: z.number().int().min(1).max(64).optional(),
  })
  .superRefine((args, ctx) => {
    const allowed: readonly string[] = MODE_OPTIONS[args.mode];
    for (const option of ALL_MODE_OPTIONS) {
      if ((args as Record<string, unknown>)[option] !== undefined && !allowed.includes(option))
        ctx.addIssue({
          code: 'custom',
          message: `${option} applies to mode "${modesWith(option).join('" or "')}" only`,
          path: [option],
        });
    }
  });

/**
 * The arguments of a `.dedup()` a run may set as implicit parameters: its mode's options and
 * `partitions`. `mode` is not one: it shapes the compiled stages.
 */
export function runDedupRunArgs(mode: DedupMode): readonly string[] {
  return ['partitions', ...MODE_OPTIONS[mode]];
}

function modesWith(option: string): DedupMode[] {
  return DEDUP_MODES.filter((mode) => (MODE_OPTIONS[mode] as readonly string[]).includes(option));
}

export type RunDedupArgs = z.output<typeof runDedupParams>;

/** Default Hamming distance for near-duplicates (pHash literature: ≤ 4 of 64 bits is "same picture"). */
export const DEFAULT_MAX_DISTANCE = 4;
/** OBELICS (Laurençon et al., 2023, §3.5): images appearing more than ten times are removed. */
export const DEFAULT_MAX_OCCURRENCES = 10;
/** datatrove's MinhashConfig: 5-word shingles, 14 buckets × 8 hashes (threshold ≈ (1/14)^(1/8) ≈ 0.72). */
export const MINHASH_DEFAULTS = { ngram: 5, bands: 14, rows: 8 } as const;

/** Each mode's option defaults (the schema cannot hold them: an option of another mode is refused). */
export const MODE_DEFAULTS = {
  exact: {},
  phash: { maxDistance: DEFAULT_MAX_DISTANCE },
  frequency: { key: 'url', maxOccurrences: DEFAULT_MAX_OCCURRENCES },
  minhash: MINHASH_DEFAULTS,
} as const satisfies Record<DedupMode, Readonly<Record<string, string | number>>>;

export const runDedup = declareOperator({
  kind: RUN_DEDUP_KIND,
  fn: 'curate',
  description:
    'Drop exact (content hash), near (64-bit perceptual hash) or near-duplicate text (MinHash LSH) duplicates across every shard of the run, keeping the smallest (shard, key); or every sample whose URL or image occurs more than maxOccurrences times',
  params: runDedupParams,
  reasons: Object.values(DEDUP_REJECTS).flatMap((r) => r.reasons),
});

/** The resolved configuration the dedup handlers receive. */
export interface DedupConfig {
  readonly mode: DedupMode;
  /** 0 except for phash. */
  readonly maxDistance: number;
  readonly partitions: number;
  /** 1 for exact and frequency; maxDistance + 1 for phash (pigeonhole bands); LSH bands for minhash. */
  readonly bands: number;
  /** frequency only. */
  readonly key?: FrequencyKey;
  readonly maxOccurrences?: number;
  /** minhash only. */
  readonly ngram?: number;
  readonly rows?: number;
}

export function dedupConfigOf(args: RunDedupArgs): DedupConfig {
  const { mode, partitions } = args;
  switch (mode) {
    case 'exact':
      return { mode, maxDistance: 0, partitions, bands: 1 };
    case 'phash': {
      const maxDistance = args.maxDistance ?? MODE_DEFAULTS.phash.maxDistance;
      return { mode, maxDistance, partitions, bands: maxDistance + 1 };
    }
    case 'frequency':
      return {
        mode,
        maxDistance: 0,
        partitions,
        bands: 1,
        key: args.key ?? MODE_DEFAULTS.frequency.key,
        maxOccurrences: args.maxOccurrences ?? MODE_DEFAULTS.frequency.maxOccurrences,
      };
    case 'minhash':
      return {
        mode,
        maxDistance: 0,
        partitions,
        bands: args.bands ?? MODE_DEFAULTS.minhash.bands,
        ngram: args.ngram ?? MODE_DEFAULTS.minhash.ngram,
        rows: args.rows ?? MODE_DEFAULTS.minhash.rows,
      };
  }
}
