/**
 * Fixture for test/e2e/implicit-params.test.ts: literal operator arguments (set per run through
 * implicit parameters), one argument bound to a declared parameter, and a kind used twice.
 */
import { ops } from '../../core/ops';
import { param, pipeline } from '../../infra/dsl';

export default pipeline('implicit-demo', (p) =>
  p
    .params({ minWords: param.integer({ default: 1, min: 0, max: 100 }) })
    .source('pairs', { uri: 'inputs/pairs', pattern: '*.tar' }, (s, params) =>
      s
        .apply(ops.image.size, { minSide: 64, maxAspectRatio: 3 })
        .apply(ops.text.length, { minWords: params.minWords, minChars: 1 })
        .apply(ops.text.length, { minWords: 0, minChars: 1, maxWords: 50 }),
    ),
);
