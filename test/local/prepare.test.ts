import type { AslState, JsonObject } from '../../infra/local/asl';
import { MAX_TIMEOUT_SECONDS, prepareMachine } from '../../infra/local/rewrite';
import {
  localFunctionArn,
  roleOfFunction,
  substitutePlaceholders,
} from '../../infra/local/substitute';
import { distributedMap, lambdaTask, machine } from './asl-fixtures';

describe('substitutePlaceholders', () => {
  it('fills function ARNs, Batch ARNs and the data root, and maps ARNs back to roles', () => {
    const filled = substitutePlaceholders(
      {
        a: '${PlanFunctionArn}',
        b: ['${TrainJobQueueArn}', '${TrainJobDefinitionArn}'],
        c: { root: '${DataRoot}/runs' },
      },
      'file:///work/dir',
    );
    expect(filled).toEqual({
      a: 'arn:aws:lambda:local:000000000000:function:vlmflow-plan',
      b: [
        'arn:aws:batch:local:000000000000:job-queue/vlmflow-train',
        'arn:aws:batch:local:000000000000:job-definition/vlmflow-train:1',
      ],
      c: { root: 'file:///work/dir/runs' },
    });
    expect(roleOfFunction(localFunctionArn('caption'))).toBe('caption');
    expect(roleOfFunction('arn:aws:lambda:local:000000000000:function:other')).toBeUndefined();
  });

  it('refuses placeholders it cannot fill, naming them', () => {
    expect(() => substitutePlaceholders({ a: '${Mystery}', b: '${Other}' }, 'file:///x')).toThrow(
      'definition has placeholders the local runner cannot fill: Mystery, Other',
    );
  });
});

function withoutTimeout(state: AslState): AslState {
  const copy: AslState = { ...state };
  delete copy.TimeoutSeconds;
  return copy;
}

describe('prepareMachine', () => {
  const definition = (): JsonObject =>
    machine(
      {
        'Curate sources': {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Curate a', States: { 'Curate a': distributedMap({ inBranch: {} }) } },
            {
              StartAt: 'Mix b',
              States: { 'Mix b': withoutTimeout(lambdaTask('MixFunctionArn', {}, { End: true })) },
            },
          ],
          Next: 'Summarize',
        },
      },
      'Curate sources',
    );

  it('turns each Distributed Map (nested ones too) into a local Task that keeps its I/O fields', () => {
    const prepared = prepareMachine(definition());
    const branch = (prepared.definition.States['Curate sources']!.Branches as JsonObject[])[0]!;
    const task = (branch.States as Record<string, JsonObject>)['Curate a']!;
    expect(task).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::vlmflow:distributedMap',
      TimeoutSeconds: MAX_TIMEOUT_SECONDS,
      ResultPath: '$.maps.s',
      End: true,
    });
    expect([...prepared.distributedMaps.keys()]).toEqual(['Curate a']);
    expect(Object.fromEntries([...prepared.tasks].map(([name, t]) => [name, t.kind]))).toEqual({
      Plan: 'lambda',
      'Curate s shard': 'lambda',
      'Curate a': 'distributedMap',
      'Mix b': 'lambda',
      Summarize: 'lambda',
      'Record failure': 'lambda',
    });
    expect(prepared.retryStates).toEqual(
      new Set(['Plan', 'Curate s shard', 'Mix b', 'Summarize', 'Record failure']),
    );
  });

  it('gives every Task an explicit timeout: its own, or the longest a timer allows instead of 60 s', () => {
    const prepared = prepareMachine(definition());
    const branch = (prepared.definition.States['Curate sources']!.Branches as JsonObject[])[1]!;
    expect((branch.States as Record<string, JsonObject>)['Mix b']!.TimeoutSeconds).toBe(
      MAX_TIMEOUT_SECONDS,
    );
    expect(prepared.definition.States.Plan!.TimeoutSeconds).toBe(30);
  });

  it('refuses what it cannot run locally', () => {
    expect(() =>
      prepareMachine({
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } },
      }),
    ).toThrow('Task "A" uses "arn:aws:states:::sns:publish", which the local runner cannot run');
    expect(() =>
      prepareMachine({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', End: true } },
      }),
    ).toThrow(
      'definition: QueryLanguage JSONata is not supported by the local runner (JSONPath only)',
    );
  });
});
