/**
 * Image–text pairs curated as the peers' recipes curate them (DataComp / LAION / data-juicer's
 * LLaVA recipe / OBELICS), in their order: format, size and aspect → opt-outs → caption
 * quality → language → image quality (near-uniform, blur) → duplicates (within each shard,
 * then across the run OBELICS' rule: every pair whose image URL occurs more than 10 times goes:
 * icons, ads, placeholders) → NSFW → image–text agreement (CLIP score) → synthetic captions. pairs-basic's curation parameters are inherited
 * (pairs-basic stays the model-free subset).
 *
 * Models: the NSFW classifier is real (nsfwjs' MobileNetV2, models/nsfw-mobilenet-v2); the
 * CLIP model and the captioner default to committed random-weight fixtures, whose scores and
 * captions are noise and say so in json (`clip_score_model.random_weights`,
 * `caption_model.random_weights`), so by default the CLIP score is recorded, not filtered on
 * (`clipMinScore` -1): set `clipModel` to a real CLIP (docs/models.md: exporting
 * openai/clip-vit-base-patch32) and `clipMinScore` to 0.2 for the recipes' filter.
 */
import { PAIRS_BASIC_PARAMS } from './pairs-basic';
import { ops } from '../core/ops';
import { param, pipeline } from '../infra/dsl';

/** nsfwjs' MobileNetV2 NSFW classifier in ONNX (scripts/models/convert_nsfwjs.py). */
export const DEFAULT_NSFW_MODEL = 'models/nsfw-mobilenet-v2';

export default pipeline('laion-style', (p) =>
  p
    .describe(
      'Pairs curated like the peers’ recipes: size, opt-out, text, language, blur, dedup, NSFW, CLIP score, captions',
    )
    .params(PAIRS_BASIC_PARAMS)
    .params({
      minLanguageScore: param.number({
        default: 0.4,
        min: 0,
        max: 1,
        description: 'Language ID (fastText lid.176): smallest probability of English',
      }),
      minGreyStd: param.number({
        default: 6,
        min: 0,
        max: 128,
        description: 'Near-uniform images: smallest grey-level standard deviation',
      }),
      blurMinVariance: param.number({
        default: 100,
        min: 0,
        max: 100_000,
        description: 'Blur: smallest variance of the Laplacian (≤ 256 px grey copy)',
      }),
      maxUrlOccurrences: param.integer({
        default: 10,
        min: 1,
        max: 1_000_000_000,
        description:
          'Across the run: pairs whose image URL occurs more than this many times are all dropped (OBELICS: 10)',
      }),
      dedupPartitions: param.integer({
        default: 64,
        min: 1,
        max: 4096,
        description:
          'Across the run: URL hash partitions, one resolve task each (docs/dedup.md: ≥ 256 for 10^8 pairs)',
      }),
      nsfwModel: param.location({
        default: DEFAULT_NSFW_MODEL,
        description:
          'NSFW image classifier: model folder (s3://, or a key under the data bucket); default: nsfwjs MobileNetV2, deployed by the stack',
      }),
      clipModel: param.location({
        default: 'models/clip-tiny',
        description:
          'CLIP-style dual encoder: model folder (s3://, or a key under the data bucket); default: a random-weight test model, deployed by the stack',
      }),
      // -1 keeps every pair: the default CLIP model is a random fixture, and filtering on its
      // noise would only thin the data. With a real CLIP set 0.2 (data-juicer: 0.203, ViT-B/32).
      clipMinScore: param.number({
        default: -1,
        min: -1,
        max: 1,
        description:
          'CLIP score: smallest cosine of image and caption; default -1 (score only: the default model is a random fixture); with a real ViT-B/32, 0.2 (data-juicer)',
      }),
      captionModel: param.location({
        default: 'models/caption-tiny',
        description:
          'Image captioner: model folder (s3://, or a key under the data bucket); default: a random-weight test model, deployed by the stack',
      }),
      captionPolicy: param.string({
        default: 'replace',
        enum: ['replace', 'keep_both'],
        description: 'replace: txt = synthetic caption, alt-text kept in json; keep_both: txt kept',
      }),
      captionMaxNewTokens: param.integer({
        default: 30,
        min: 1,
        max: 512,
        description: 'Caption: most generated tokens',
      }),
      captionNumBeams: param.integer({
        default: 1,
        min: 1,
        max: 16,
        description: 'Caption: beams (1 = greedy)',
      }),
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source('pairs', { uri: 'inputs/pairs', pattern: '*.tar' }, (s, params) =>
      s
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxAspectRatio: params.maxAspectRatio })
        .apply(ops.optout, {
          urlListUri: params.optoutUrlsUri,
          domainListUri: params.optoutDomainsUri,
        })
        .apply(ops.text.utf8, { onInvalid: params.invalidUtf8 })
        .apply(ops.text.length, { minWords: params.minWords, minChars: 6 })
        .apply(ops.text.repetition, {})
        .apply(ops.text.specialChars, { maxRatio: params.maxSpecialCharRatio })
        .apply(ops.text.flaggedWords, { listUri: params.flaggedWordsUri })
        .apply(ops.text.language, { languages: ['en'], minScore: params.minLanguageScore })
        // Resize first: the quality filters then read the pixels it decoded (no decode of their own).
        .apply(ops.image.resize, {
          mode: 'longest_edge',
          longestEdge: params.longestEdge,
          format: 'jpeg',
          quality: 90,
        })
        .apply(ops.image.lowInformation, { minStd: params.minGreyStd })
        .apply(ops.image.blur, { minVariance: params.blurMinVariance })
        .apply(ops.dedup.exact, { of: 'image' })
        .apply(ops.dedup.phash, { maxDistance: params.phashMaxDistance })
        .dedup({
          mode: 'frequency',
          key: 'url',
          maxOccurrences: params.maxUrlOccurrences,
          partitions: params.dedupPartitions,
        })
        .apply(ops.model.classify, {
          model: params.nsfwModel,
          thresholds: { porn: 0.85, hentai: 0.9 },
        })
        .apply(ops.model.clipScore, { model: params.clipModel, minScore: params.clipMinScore })
        .apply(ops.caption.generate, {
          model: params.captionModel,
          maxNewTokens: params.captionMaxNewTokens,
          numBeams: params.captionNumBeams,
          policy: params.captionPolicy,
        }),
    ),
);
