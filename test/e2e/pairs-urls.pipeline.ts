/**
 * Fixture for test/e2e/pairs-urls.test.ts: pairs-basic itself (its parameters and operators,
 * unchanged) reading a URL list: the source's format switched to 'urls', with a short backoff
 * and a timeout long enough for a loaded test machine.
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
        urls: {
          rowsPerItem: 100,
          timeoutMs: 2000,
          retries: 1,
          backoffMs: 10,
          maxBytes: 256 * 1024,
        },
      },
    ],
  },
};
export default pairsUrls;
