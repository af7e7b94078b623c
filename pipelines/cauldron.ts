/**
 * The image–text pairs pipeline of the Idefics2 recipe (Laurençon et al., 2024), models
 * included: pairs-basic's curation (opt-outs, decode, size and aspect, caption checks, exact
 * duplicates, resize to 980 px, perceptual near-duplicates), then an NSFW image classifier
 * (OBELICS thresholds: porn > 0.85, hentai > 0.9) and synthetic captions (the paper's finding:
 * they beat raw alt-text; the alt-text stays in json `alt_text`), then the Perceiver-Resampler
 * connector trained on the result. Curation, parameters and training come from
 * pairs-connector (itself pairs-basic plus training), so the three never drift apart.
 *
 * The classifier runs after deduplication and resizing, beside the captioner: duplicates are
 * never scored, and both model operators fuse into one caption-function task per shard.
 * The default NSFW model is a real one, nsfwjs' MobileNetV2 converted to ONNX and committed
 * under models/nsfw-mobilenet-v2; the default captioner is the committed fixture (tiny random
 * weights: its captions are noise, and say so in json `caption_model.random_weights`). Both
 * are keys under the data root (`models/<name>`): the stack deploys them into its bucket and a
 * local run copies them into its workdir (infra/cdk/model-assets.ts), so `{}` works in both;
 * set `nsfwModel`/`captionModel` to `s3://` folders for your own models (docs/models.md).
 */
import pairsConnector from './pairs-connector';
import { ops } from '../core/ops';
import { inheritedChain, inheritedParams, param, pipeline } from '../infra/dsl';

/** nsfwjs' MobileNetV2 NSFW classifier in ONNX (scripts/models/convert_nsfwjs.py). */
export const DEFAULT_NSFW_MODEL = 'models/nsfw-mobilenet-v2';

const curated = pairsConnector.graph.sources.find((s) => s.name === 'pairs');
const connector = pairsConnector.graph.trains.find((t) => t.name === 'connector');
if (!curated || !connector) throw new Error('pairs-connector has no "pairs" source or "connector"');

export default pipeline('cauldron', (p) =>
  p
    .describe(
      'Idefics2 pairs recipe: curation, NSFW classifier, synthetic captions, connector training',
    )
    .params(inheritedParams(pairsConnector))
    .params({
      nsfwModel: param.location({
        default: DEFAULT_NSFW_MODEL,
        description:
          'NSFW image classifier: model folder (s3://, or a key under the data bucket); default: nsfwjs MobileNetV2, deployed by the stack',
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
    .source('pairs', { uri: curated.uri, pattern: curated.pattern }, (s, params) =>
      inheritedChain(
        pairsConnector,
        'pairs',
      )(s)
        .apply(ops.model.classify, {
          model: params.nsfwModel,
          thresholds: { porn: 0.85, hentai: 0.9 },
        })
        .apply(ops.caption.generate, {
          model: params.captionModel,
          maxNewTokens: params.captionMaxNewTokens,
          numBeams: params.captionNumBeams,
          policy: params.captionPolicy,
        }),
    )
    .train('connector', {
      dataset: 'pairs',
      gpus: connector.gpus,
      vcpus: connector.vcpus,
      memoryMiB: connector.memoryMiB,
      timeoutSeconds: connector.timeoutSeconds,
      enabled: connector.enabled,
      config: connector.config,
    }),
);
