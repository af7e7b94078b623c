/**
 * The Idefics2-style data mixture (Laurençon et al., 2024): image–text pairs, interleaved web
 * documents, PDF pages (the text layer teaches reading, OCR-style) and text-only instruction
 * data (keeps instruction following and arithmetic), each curated in its own Parallel branch
 * with the same accounting, then mixed with weights. Sources and formats: docs/sources.md.
 */
import { ops } from '../core/ops';
import { param, pipeline } from '../infra/dsl';

const weight = (value: number, what: string) =>
  param.number({ default: value, min: 0, max: 1000, description: `Mixture weight of ${what}` });

export default pipeline('cauldron-mixture', (p) =>
  p
    .describe(
      'Idefics2-style mixture of pairs, interleaved documents, PDF pages and text-only data',
    )
    .params({
      pairsWeight: weight(0.4, 'image-text pairs'),
      docsWeight: weight(0.3, 'interleaved documents'),
      pdfsWeight: weight(0.2, 'PDF pages'),
      textsWeight: weight(0.1, 'text-only instruction data'),
      minSide: param.integer({
        default: 150,
        min: 1,
        max: 10_000,
        description: 'Smallest shorter side of a pair or document image, px',
      }),
      minPageChars: param.integer({
        default: 20,
        min: 0,
        max: 1_000_000,
        description: 'Fewest characters on a PDF page with a text layer',
      }),
      requireTextLayer: param.boolean({
        default: false,
        description: 'Reject PDF pages without a text layer (scans without OCR)',
      }),
      minTextWords: param.integer({
        default: 5,
        min: 0,
        max: 100_000,
        description: 'Fewest words in a text-only sample',
      }),
      mixSamples: param.integer({
        default: 0,
        min: 0,
        max: 1_000_000_000,
        description: 'Samples in the mixture (0: as many as the weights allow)',
      }),
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source('pairs', { uri: 'inputs/pairs' }, (s, params) =>
      s
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxAspectRatio: 3 })
        .apply(ops.text.utf8, {})
        .apply(ops.text.length, { minWords: 3, minChars: 6 })
        .apply(ops.dedup.exact, { of: 'image' })
        .apply(ops.image.resize, { mode: 'longest_edge', longestEdge: 980, format: 'jpeg' }),
    )
    .source('docs', { uri: 'inputs/docs' }, (s, params) =>
      s
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxSide: 20_000, maxAspectRatio: 2 })
        .apply(ops.text.repetition, {})
        .apply(ops.doc.filter, { minImages: 1, maxImages: 30, minWords: 10 }),
    )
    .source(
      'pdfs',
      {
        uri: 'inputs/pdfs',
        format: 'pdf',
        pdf: { dpi: 144, longestEdge: 1960, maxPages: 200, maxPixels: 40_000_000 },
      },
      (s, params) =>
        s
          .apply(ops.doc.textDensity, {
            requireTextLayer: params.requireTextLayer,
            minChars: params.minPageChars,
          })
          .apply(ops.doc.split, { minAspect: 2, cropAspect: 1, maxCrops: 8 }),
    )
    .source('texts', { uri: 'inputs/texts', format: 'jsonl' }, (s, params) =>
      s
        .apply(ops.text.utf8, {})
        .apply(ops.text.length, { minWords: params.minTextWords, minChars: 10 })
        .apply(ops.text.repetition, {})
        .apply(ops.dedup.exact, { of: 'text' }),
    )
    .mix('cauldron', (params) => ({
      weights: {
        pairs: params.pairsWeight,
        docs: params.docsWeight,
        pdfs: params.pdfsWeight,
        texts: params.textsWeight,
      },
      samples: params.mixSamples,
      seed: 0,
    })),
);
