import { MAX_CURVE_POINTS, parseTrainingMetrics } from '../../lambdas/report/training';

describe('parseTrainingMetrics accepts the shapes the training job may write', () => {
  const parse = (value: unknown) => parseTrainingMetrics('connector', 'file:///m.json', value);

  it('reads {"loss": [...]}, {"steps": [{step, loss}]} and bare lists', () => {
    expect(parse({ loss: [3, 2, 1] }).points).toEqual([
      [0, 3],
      [1, 2],
      [2, 1],
    ]);
    expect(
      parse({
        steps: [
          { step: 10, loss: 2.5 },
          { step: 20, loss: 1.5 },
        ],
      }).points,
    ).toEqual([
      [10, 2.5],
      [20, 1.5],
    ]);
    expect(parse([{ step: 5, loss: 1 }, { loss: 0.5 }]).points).toEqual([
      [5, 1],
      [1, 0.5],
    ]);
    expect(parse([4, 3]).points).toEqual([
      [0, 4],
      [1, 3],
    ]);
  });

  it('reads wall time and instance type when present, and tolerates anything else', () => {
    const curve = parse({ loss: [1], wall_seconds: 120, instance_type: 'g5.2xlarge' });
    expect(curve.wallSeconds).toBe(120);
    expect(curve.instanceType).toBe('g5.2xlarge');
    expect(parse('not metrics').points).toEqual([]);
    expect(parse({ loss: [1, 'x', null, 2] }).points).toEqual([
      [0, 1],
      [3, 2],
    ]);
  });

  it('thins long histories and keeps the last point', () => {
    const curve = parse({ loss: Array.from({ length: 10_001 }, (_, i) => 1 / (i + 1)) });
    expect(curve.totalPoints).toBe(10_001);
    expect(curve.points.length).toBeLessThanOrEqual(MAX_CURVE_POINTS + 1);
    expect(curve.points[curve.points.length - 1]).toEqual([10_000, 1 / 10_001]);
  });
});
