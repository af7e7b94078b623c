/**
 * model.classify: an ONNX image classifier (Hugging Face layout, e.g. an NSFW model) scores
 * each sample's image; the scores of every label are its stat `scores` (a kept sample carries
 * them in json `vlmflow.stats["model.classify"].scores`), and
 * a sample is rejected when a label's score is above its threshold, with that label as the
 * reason (the highest-scoring such label). json `<field>_model` records which model (URI, sha256 of its
 * SHA256SUMS, `random_weights: true` for a test fixture). Runs batched: the shard loop hands it `batchSize`
 * samples at a time. Documents are classified image by image (a flagged image is removed,
 * the document kept).
 */
import { z } from 'zod';
import { declareOperator } from './operator';

/** Reasons besides the model's label names, which are reasons too (`model.classify:porn`). */
export const CLASSIFY_FIXED_REASONS = ['no_image', 'undecodable', 'invalid_json'] as const;

const schema = z.strictObject({
  /** Storage URI of the model folder: a path, file:// or s3://. */
  model: z.string().min(1),
  /** Reject when a label's score is above its threshold. Default: OBELICS' nsfwjs cut-offs. */
  thresholds: z.record(z.string(), z.number().min(0).max(1)).default({ porn: 0.85, hentai: 0.9 }),
  batchSize: z.number().int().min(1).max(1024).default(16),
  /** Names the json field `<field>_model` that receives the model's provenance. */
  field: z.string().min(1).default('nsfw'),
});

/** Reasons are `string`: a label name of the model is a reason too, and the labels are data. */
export const modelClassify = declareOperator<'model.classify', typeof schema, string>({
  kind: 'model.classify',
  fn: 'caption',
  description:
    "Score each image with an ONNX classifier (stats: a score per label); reject when a label's score is above its threshold (reason: the label)",
  params: schema,
  reasons: [...CLASSIFY_FIXED_REASONS],
  storageArgs: { model: 'model' },
  stats: {
    scores: {
      label: 'score',
      bins: { min: 0, max: 1, count: 50 },
      thresholds: [{ arg: 'thresholds', keeps: 'below' }],
    },
  },
});
