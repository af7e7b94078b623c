/**
 * Model-free curation of image–text pairs with DataComp/OBELICS-style defaults: opt-outs (lists
 * and robots directives), decode and validate (normalised to 8-bit sRGB, upright, no metadata),
 * minimum side and aspect ratio (DataComp basic filter: shorter side >= 200 px, aspect <= 3),
 * caption checks (valid UTF-8; DataComp: more than 2 words and more than 5 characters;
 * repetition, special characters, flagged words), exact duplicates, resize to Idefics2's
 * longest edge (980 px) as JPEG, then perceptual near-duplicates on the resized image.
 */
import { ops } from '../core/ops';
import { param, pipeline } from '../infra/dsl';

/** The curation parameters, shared with the pipelines that extend this curation (laion-style). */
export const PAIRS_BASIC_PARAMS = {
  minSide: param.integer({
    default: 200,
    min: 1,
    max: 10_000,
    description: 'Smallest shorter side, px',
  }),
  maxAspectRatio: param.number({
    default: 3,
    min: 1,
    max: 100,
    description: 'Largest long/short side ratio',
  }),
  minWords: param.integer({
    default: 3,
    min: 0,
    max: 1000,
    description: 'Fewest words in a caption',
  }),
  longestEdge: param.integer({
    default: 980,
    min: 32,
    max: 8192,
    description: 'Resize: longest edge, px',
  }),
  invalidUtf8: param.string({
    default: 'reject',
    enum: ['reject', 'repair'],
    description: 'Captions that are not UTF-8: reject, or repair with U+FFFD',
  }),
  maxSpecialCharRatio: param.number({
    default: 0.3,
    min: 0,
    max: 1,
    description: 'Largest share of symbols and punctuation in a caption',
  }),
  flaggedWordsUri: param.string({
    default: '',
    description: 'Flagged-word list, one per line (empty: none)',
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
    description: 'Near duplicates: largest Hamming distance of 64-bit perceptual hashes',
  }),
};

export default pipeline('pairs-basic', (p) =>
  p
    .describe('Model-free curation of image-text pairs (DataComp/OBELICS-style filters)')
    .params(PAIRS_BASIC_PARAMS)
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source('pairs', { uri: 'inputs/pairs', pattern: '*.tar' }, (s, params) =>
      s
        .apply(ops.optout, {
          urlListUri: params.optoutUrlsUri,
          domainListUri: params.optoutDomainsUri,
        })
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxAspectRatio: params.maxAspectRatio })
        .apply(ops.text.utf8, { onInvalid: params.invalidUtf8 })
        .apply(ops.text.length, { minWords: params.minWords, minChars: 6 })
        .apply(ops.text.repetition, {})
        .apply(ops.text.specialChars, { maxRatio: params.maxSpecialCharRatio })
        .apply(ops.text.flaggedWords, { listUri: params.flaggedWordsUri })
        .apply(ops.dedup.exact, { of: 'image' })
        .apply(ops.image.resize, {
          mode: 'longest_edge',
          longestEdge: params.longestEdge,
          format: 'jpeg',
          quality: 90,
        })
        .apply(ops.dedup.phash, { maxDistance: params.phashMaxDistance }),
    ),
);
