/**
 * `vlmflow start --param` with implicit operator parameters: the execution input carries only
 * the values given, checked like Plan checks them before anything is sent to AWS.
 */
import { runInputFromFlags } from '../../infra/cli/aws/start';
import demo from './implicit-params.pipeline';

describe('vlmflow start --param <source>.<op>.<arg>', () => {
  it('sends only the values given, read with the argument type', () => {
    expect(
      runInputFromFlags(
        demo.graph,
        { param: ['pairs.image.size.minSide=100', 'minWords=2', 'pairs.text.length#2.maxWords=3'] },
        demo.operators,
      ),
    ).toEqual({
      params: {
        'pairs.image.size.minSide': 100,
        minWords: 2,
        'pairs.text.length#2.maxWords': 3,
      },
    });
  });

  it('fails on a bad value, naming the parameter and the operator', () => {
    expect(() =>
      runInputFromFlags(demo.graph, { param: ['pairs.image.size.maxSide=0'] }, demo.operators),
    ).toThrow(
      'invalid run parameters: params.pairs.image.size.maxSide: invalid for operator image.size (pairs.image.size): maxSide: must be > 0, received 0',
    );
    expect(() =>
      runInputFromFlags(demo.graph, { param: ['pairs.image.size.maxSide=big'] }, demo.operators),
    ).toThrow('--param pairs.image.size.maxSide: expected a number, got "big"');
    for (const raw of ['0x10', ' 300 ', '', '1e']) {
      expect(() =>
        runInputFromFlags(
          demo.graph,
          { param: [`pairs.image.size.maxSide=${raw}`] },
          demo.operators,
        ),
      ).toThrow(`--param pairs.image.size.maxSide: expected a number, got "${raw}"`);
    }
  });
});
