/**
 * Model-free curation of interleaved web documents, OBELICS-style (Laurençon et al., 2023): one
 * sample per page, texts and images in reading order (layout: docs/operators.md). Pages opted
 * out are dropped, opted-out images removed; each image is validated, size-filtered (OBELICS:
 * sides 150–20,000 px, aspect <= 2), deduplicated within the shard and resized Idefics2-style
 * (shortest edge 378 px, longest edge at most 980 px); a rejected image leaves the document
 * with its reason. Then the page's text quality, the document rules (at least one image
 * left, at most 30, enough words), and near-duplicate pages across the whole run (MinHash LSH,
 * docs/dedup.md).
 */
import { ops } from '../core/ops';
import { param, pipeline } from '../infra/dsl';

export default pipeline('obelics', (p) =>
  p
    .describe('Model-free curation of interleaved image-text documents (OBELICS-style filters)')
    .params({
      minSide: param.integer({
        default: 150,
        min: 1,
        max: 10_000,
        description: 'Smallest shorter side, px',
      }),
      maxAspectRatio: param.number({
        default: 2,
        min: 1,
        max: 100,
        description: 'Largest long/short side ratio',
      }),
      shortestEdge: param.integer({
        default: 378,
        min: 32,
        max: 8192,
        description: 'Resize: shortest edge, px',
      }),
      longestEdge: param.integer({
        default: 980,
        min: 32,
        max: 8192,
        description: 'Resize: longest edge cap, px',
      }),
      minWords: param.integer({
        default: 10,
        min: 0,
        max: 100_000,
        description: 'Fewest words in a document',
      }),
      maxImages: param.integer({
        default: 30,
        min: 1,
        max: 1000,
        description: 'Most images in a document',
      }),
      maxWordRepetition: param.number({
        default: 0.3,
        min: 0,
        max: 1,
        description: 'Largest share of repeated word 3-grams',
      }),
      maxSpecialCharRatio: param.number({
        default: 0.3,
        min: 0,
        max: 1,
        description: 'Largest share of symbols and punctuation',
      }),
      flaggedWordsUri: param.string({
        default: '',
        description: 'Flagged-word list, one per line (empty: none)',
      }),
      maxFlaggedRatio: param.number({
        default: 0.01,
        min: 0,
        max: 1,
        description: 'Largest share of flagged words in a document',
      }),
      optoutUrlsUri: param.string({
        default: '',
        description: 'Opted-out URLs, one per line (empty: none)',
      }),
      optoutDomainsUri: param.string({
        default: '',
        description: 'Opted-out domains, one per line (empty: none)',
      }),
      phashMaxDistance: param.integer({
        default: 4,
        min: 0,
        max: 32,
        description: 'Near-duplicate images: largest Hamming distance',
      }),
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source('docs', { uri: 'inputs/docs', pattern: '*.tar' }, (s, params) =>
      s
        .apply(ops.optout, {
          urlListUri: params.optoutUrlsUri,
          domainListUri: params.optoutDomainsUri,
        })
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, {
          minSide: params.minSide,
          maxSide: 20_000,
          maxAspectRatio: params.maxAspectRatio,
        })
        .apply(ops.dedup.exact, { of: 'image' })
        .apply(ops.image.resize, {
          mode: 'shortest_edge',
          shortestEdge: params.shortestEdge,
          longestEdge: params.longestEdge,
          format: 'jpeg',
          quality: 90,
        })
        .apply(ops.dedup.phash, { maxDistance: params.phashMaxDistance })
        .apply(ops.text.repetition, { maxWordRepetition: params.maxWordRepetition })
        .apply(ops.text.specialChars, { maxRatio: params.maxSpecialCharRatio })
        .apply(ops.text.flaggedWords, {
          listUri: params.flaggedWordsUri,
          maxRatio: params.maxFlaggedRatio,
        })
        .apply(ops.doc.filter, {
          minImages: 1,
          maxImages: params.maxImages,
          minWords: params.minWords,
        })
        // Near-duplicate pages across the run (mirrors, syndicated copies): MinHash LSH over
        // 5-word shingles of the page's text, 14 bands × 8 (datatrove); the first page stays.
        .dedup({ mode: 'minhash' }),
    ),
);
