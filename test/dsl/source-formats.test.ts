/** Source formats in the DSL: options only for their own format, checked at definition time. */
import { DslError, pipeline } from '../../infra/dsl';
import { stageLayoutOf } from '../../infra/compiler/segments';
import type { SourceOptions } from '../../infra/dsl/pipeline-builder';

const define = (options: SourceOptions) =>
  pipeline('formats', (p) => p.source('s', options, (s) => s));

describe('source formats in the DSL', () => {
  it('puts a URL list first through a download segment, and only non-default settings in the IR', () => {
    const source = define({ uri: 'inputs/l', format: 'urls', urls: { urlColumn: 'URL' } }).graph
      .sources[0]!;
    expect(source).toMatchObject({
      pattern: '*.parquet',
      format: 'urls',
      urls: { urlColumn: 'URL' },
    });
    expect(stageLayoutOf(source).segments.map((s) => s.fn)).toEqual(['download']);
    const tar = define({ uri: 'inputs/t' }).graph.sources[0]!;
    expect(Object.keys(tar)).toEqual(['kind', 'name', 'uri', 'pattern', 'ops']);
  });

  it.each<[string, SourceOptions, RegExp]>([
    [
      'options of another format',
      { uri: 'x', format: 'parquet', urls: {} },
      /"urls" options need format "urls"/,
    ],
    [
      'an unknown option',
      { uri: 'x', format: 'urls', urls: { colum: 'u' } as never },
      /urls\.: Unrecognized key/,
    ],
    ['a bad value', { uri: 'x', format: 'urls', urls: { concurrency: 0 } }, /urls\.concurrency: /],
    [
      'a pattern for a folder',
      { uri: 'x', format: 'folder', pattern: '*.jpg' },
      /"pattern" does not apply/,
    ],
  ])('refuses %s', (_, options, message) => {
    expect(() => define(options)).toThrow(DslError);
    expect(() => define(options)).toThrow(message);
  });
});
