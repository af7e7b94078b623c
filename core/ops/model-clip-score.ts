/**
 * model.clip_score: the cosine similarity of an image and its text under a CLIP-style dual
 * encoder (ONNX vision + text towers, Hugging Face / transformers.js layout): its stat `score`,
 * which a kept sample carries in json `vlmflow.stats["model.clip_score"]`; a pair whose score
 * is below `minScore` is rejected. In a document every image is scored against the nearest text
 * paragraph (by position; a tie goes to the paragraph before it) and removed when below, the
 * document kept; its stat is then a list of scores by position, beside `images`. Default minScore 0.2: data-juicer's LLaVA recipe keeps pairs above
 * 0.203 with ViT-B/32 (docs/models.md).
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const modelClipScore = declareOperator({
  kind: 'model.clip_score',
  fn: 'caption',
  description:
    'Score image–text agreement with a CLIP-style ONNX dual encoder (cosine of the embeddings, its stat); reject below minScore',
  params: z.strictObject({
    /** Storage URI of the model folder: a path, file:// or s3://. */
    model: z.string().min(1),
    /** Smallest kept cosine similarity (data-juicer's LLaVA recipe: 0.203 with ViT-B/32). */
    minScore: z.number().min(-1).max(1).default(0.2),
    batchSize: z.number().int().min(1).max(1024).default(16),
    /** Names the json field `<field>_model` that receives the model's provenance. */
    field: z.string().min(1).default('clip_score'),
  }),
  reasons: [
    'no_image',
    'undecodable',
    'missing_text',
    'invalid_utf8',
    'invalid_json',
    'low_similarity',
  ],
  // Plan checks the folder (SHA256SUMS and its files) before any shard, as for model.classify.
  storageArgs: { model: 'model' },
  stats: {
    score: {
      label: 'cosine similarity of image and text',
      bins: { min: -0.5, max: 1, count: 60 },
      thresholds: [{ arg: 'minScore', keeps: 'above' }],
    },
  },
});
