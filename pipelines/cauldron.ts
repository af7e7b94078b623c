/**
 * The image–text pairs pipeline of the Idefics2 recipe (Laurençon et al., 2024), models
 * included: laion-style's curation, in the peers' order (format, size and aspect → opt-outs →
 * caption quality → language → near-uniform and blurred images → duplicates → NSFW classifier
 * with OBELICS' thresholds → CLIP score → synthetic captions, which the paper found beat raw
 * alt-text; the alt-text stays in json `alt_text`), then the Perceiver-Resampler connector
 * trained on the result. Curation and its parameters come from laion-style, training and its
 * parameters from pairs-connector, so the pipelines never drift apart.
 *
 * The model operators run after deduplication and resizing: duplicates are never scored, and
 * the three fuse into one caption-function task per shard. The default NSFW model is a real
 * one (nsfwjs' MobileNetV2, models/nsfw-mobilenet-v2); the CLIP model and the captioner are
 * committed fixtures with random weights (their output says so in json `random_weights`). All
 * are keys under the data root (`models/<name>`): the stack deploys them into its bucket and a
 * local run copies them into its workdir (infra/cdk/model-assets.ts), so `{}` works in both;
 * set `nsfwModel`/`clipModel`/`captionModel` to `s3://` folders for your own (docs/models.md).
 */
import laionStyle from './laion-style';
import pairsConnector from './pairs-connector';
import { inheritedChain, inheritedParams, pipeline } from '../infra/dsl';

export { DEFAULT_NSFW_MODEL } from './laion-style';

const curated = laionStyle.graph.sources.find((s) => s.name === 'pairs');
const connector = pairsConnector.graph.trains.find((t) => t.name === 'connector');
if (!curated || !connector) throw new Error('laion-style has no "pairs" source, or no "connector"');

const curationParams = inheritedParams(laionStyle);
/** pairs-connector's training parameters (its curation ones are laion-style's too). */
const trainingParams = Object.fromEntries(
  Object.entries(inheritedParams(pairsConnector)).filter(([name]) => !(name in curationParams)),
);

export default pipeline('cauldron', (p) =>
  p
    .describe(
      'Idefics2 pairs recipe: peer-style curation, NSFW, CLIP score, synthetic captions, connector training',
    )
    .params(curationParams)
    .params(trainingParams)
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source(
      'pairs',
      { uri: curated.uri, pattern: curated.pattern },
      inheritedChain(laionStyle, 'pairs'),
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
