/**
 * caption.generate: a synthetic caption per image from an ONNX encoder–decoder captioner
 * (Hugging Face layout, e.g. vit-gpt2-image-captioning), greedy or beam search, batched.
 * policy 'replace': the caption becomes the text member and the original text is kept as json
 * `alt_text`; 'keep_both': the text member stays and the caption goes to json
 * `synthetic_caption`. json `caption_model` records the model and the generation settings.
 * Documents pass through untouched: their text is the page's own.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const CAPTION_POLICIES = ['replace', 'keep_both'] as const;
const REASONS = ['no_image', 'undecodable', 'empty_caption', 'invalid_json'] as const;

export const captionGenerate = declareOperator({
  kind: 'caption.generate',
  fn: 'caption',
  description:
    'Write a synthetic caption per image with an ONNX encoder-decoder captioner (greedy or beam search); keep the original text as alt_text',
  params: z.strictObject({
    /** Storage URI of the model folder: a path, file:// or s3://. */
    model: z.string().min(1),
    batchSize: z.number().int().min(1).max(1024).default(8),
    maxNewTokens: z.number().int().min(1).max(1024).default(30),
    /** 1: greedy. */
    numBeams: z.number().int().min(1).max(32).default(1),
    policy: z.enum(CAPTION_POLICIES).default('replace'),
  }),
  reasons: REASONS,
  storageArgs: { model: 'model' },
});
