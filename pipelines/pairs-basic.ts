/**
 * Model-free curation of image–text pairs with DataComp/OBELICS-style defaults: decode and
 * validate, minimum side and aspect ratio (DataComp basic filter: shorter side >= 200 px,
 * aspect <= 3), caption length (DataComp: more than 2 words and more than 5 characters), then
 * resize to Idefics2's longest edge (980 px) and re-encode as JPEG.
 */
import { ops } from '../lambdas/ops';
import { param, pipeline } from '../infra/dsl';

export default pipeline('pairs-basic', (p) =>
  p
    .describe('Model-free curation of image-text pairs (DataComp/OBELICS-style filters)')
    .params({
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
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source('pairs', { uri: 'inputs/pairs', pattern: '*.tar' }, (s, params) =>
      s
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxAspectRatio: params.maxAspectRatio })
        .apply(ops.text.length, { minWords: params.minWords, minChars: 6 })
        .apply(ops.image.resize, {
          mode: 'longest_edge',
          longestEdge: params.longestEdge,
          format: 'jpeg',
          quality: 90,
        }),
    ),
);
