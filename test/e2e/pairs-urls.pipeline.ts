/**
 * Fixture for test/e2e/pairs-urls.test.ts: pairs-basic itself (its parameters and operators,
 * unchanged) reading a URL list: the source's format switched to 'urls', with short timeouts
 * and backoff so that failing hosts cost the test little time.
 */
import type { Pipeline } from '../../infra/dsl';
import pairsBasic from '../../pipelines/pairs-basic';

const [pairs] = pairsBasic.graph.sources;

const pairsUrls: Pipeline = {
  ...pairsBasic,
  name: 'pairs-urls',
  graph: {
    ...pairsBasic.graph,
    name: 'pairs-urls',
    sources: [
      {
        ...pairs!,
        pattern: '*.parquet',
        format: 'urls',
        urls: { rowsPerItem: 100, timeoutMs: 300, retries: 1, backoffMs: 10, maxBytes: 256 * 1024 },
      },
    ],
  },
};
export default pairsUrls;
