/**
 * A curation pipeline: image-caption pairs from a folder (x.jpg beside x.txt), checked and
 * resized by built-in operators and filtered by this project's own operator. Every sample
 * leaves kept or rejected with a reason.
 *
 * Locally: `npx vlmflow run my-pipeline --local --input sample-data/pairs`.
 * On AWS: `npx cdk deploy`, copy images under `inputs/pairs/` of the stack's bucket, start `{}`.
 */
import { ops, param, pipeline } from 'vlmflow';
import { captionBlocklist } from '../operators/caption-blocklist';

export default pipeline('my-pipeline', (p) =>
  p
    .describe('Image-caption pairs: decode, size, caption length, blocklist, resize')
    .params({
      minSide: param.integer({ default: 128, min: 1, max: 10_000 }),
      longestEdge: param.integer({ default: 512, min: 32, max: 8192 }),
    })
    .settings({ maxConcurrency: 10, toleratedFailurePercentage: 0 })
    .source('pairs', { uri: 'inputs/pairs', format: 'folder' }, (s, params) =>
      s
        .apply(ops.image.decode, { formats: ['jpeg', 'png', 'webp'] })
        .apply(ops.image.size, { minSide: params.minSide, maxAspectRatio: 3 })
        .apply(ops.text.length, { minWords: 3 })
        .apply(captionBlocklist, { words: ['watermark', 'watermarked'] })
        .apply(ops.image.resize, { mode: 'longest_edge', longestEdge: params.longestEdge }),
    ),
);
