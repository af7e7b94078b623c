/** The Distributed Map renderer returns problems for what it cannot express; it never renames. */
import { compile, CompileError } from '../../infra/compiler';
import { labelProblem } from '../../infra/compiler/render-map';
import { pipeline } from '../../infra/dsl';
import { ops } from '../../core/ops';

describe('Distributed Map labels', () => {
  it('keep the stage name as written', () => {
    const p = pipeline('labels', (b) =>
      b.source('web-pages', { uri: 'inputs/web' }, (s) => s.apply(ops.text.length)),
    );
    const json = JSON.stringify(compile(p.graph).definition);
    expect(json).toContain('"Label":"Curateweb-pages"');
  });

  it('too long for a Map Run label: compile fails naming the label, nothing is cut', () => {
    const stage = 'a'.repeat(36);
    const p = pipeline('long', (b) =>
      b.source(stage, { uri: 'inputs/web' }, (s) =>
        s.apply(ops.text.length).dedup({ mode: 'exact' }),
      ),
    );
    let error: unknown;
    try {
      compile(p.graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).problems).toEqual([
      expect.stringContaining(`Map Run label "Curate${stage}"`),
      expect.stringContaining(`Map Run label "Resolve${stage}"`),
      expect.stringContaining(`Map Run label "Filter${stage}"`),
    ]);
  });

  it.each([
    ['Curatepairs', undefined],
    ['Curate web', 'whitespace'],
    ['Curate/x', 'whitespace'],
    ['x'.repeat(41), 'whitespace'],
  ])('%s: %s', (label, problem) => {
    if (problem === undefined) expect(labelProblem(label)).toBeUndefined();
    else expect(labelProblem(label)).toContain(problem);
  });
});
