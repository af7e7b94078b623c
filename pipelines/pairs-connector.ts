/**
 * pairs-basic's curation, then the Idefics2-style connector trained on the curated pairs
 * (AWS Batch GPU job; a CPU subprocess locally). The curation chain and its parameters are
 * taken from pairs-basic itself, so the two pipelines never drift apart. The default models
 * are run parameters whose defaults are the tiny random-weight ones in models/ (written by
 * `python -m resampler.tiny_models`), which the stack deploys into its bucket; set
 * `visionModel`/`textModel` to real HF-format folders (s3:// or under the data root) for a
 * real run.
 */
import pairsBasic from './pairs-basic';
import { inheritedChain, inheritedParams, param, pipeline } from '../infra/dsl';

const curated = pairsBasic.graph.sources.find((s) => s.name === 'pairs');
if (!curated) throw new Error('pairs-basic has no "pairs" source');

export default pipeline('pairs-connector', (p) =>
  p
    .describe('pairs-basic curation, then the Perceiver-Resampler connector trained on the pairs')
    .params(inheritedParams(pairsBasic))
    .params({
      train: param.boolean({ default: true, description: 'Train the connector' }),
      // The console's `{}` trains the random-weight default models on sample shards: a few
      // steps show the loss falling; a real run sets its own.
      trainSteps: param.integer({
        default: 5,
        min: 1,
        max: 1_000_000,
        description: 'Optimizer steps (default sized for the default test models and sample data)',
      }),
      batchSize: param.integer({ default: 8, min: 1, max: 4096, description: 'Samples per step' }),
      learningRate: param.number({ default: 1e-3, min: 0, max: 1, description: 'Peak AdamW lr' }),
      visionModel: param.location({
        default: 'models/tiny-vision',
        description:
          'Frozen vision encoder: HF model folder (s3://, or a key under the data bucket); default: a random-weight test model the stack deploys',
      }),
      textModel: param.location({
        default: 'models/tiny-lm',
        description:
          'Frozen language model: HF model folder (s3://, or a key under the data bucket); default: a random-weight test model the stack deploys',
      }),
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source(
      'pairs',
      { uri: curated.uri, pattern: curated.pattern },
      inheritedChain(pairsBasic, 'pairs'),
    )
    .train('connector', (params) => ({
      dataset: 'pairs',
      gpus: 1,
      enabled: params.train,
      config: {
        vision_model: params.visionModel,
        text_model: params.textModel,
        steps: params.trainSteps,
        batch_size: params.batchSize,
        lr: params.learningRate,
        warmup_steps: 2,
        checkpoint_every: 50,
        num_workers: 1,
        // Sized for the tiny models' 32 px vision tower; Idefics2's resize is 378 / 980.
        image_shortest_edge: 32,
        image_longest_edge: 64,
        // Tiny perceiver to match the tiny default models; Idefics2's is 64/3/16×96/4.
        resampler_n_latents: 8,
        resampler_depth: 2,
        resampler_n_heads: 4,
        resampler_head_dim: 16,
        num_key_value_heads: 2,
      },
    })),
);
