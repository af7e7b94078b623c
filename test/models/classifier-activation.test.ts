/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * The score activation follows transformers' image-classification pipeline: a one-logit model
 * gets a sigmoid (softmax over one value would always say 1.0), multi-label models a sigmoid
 * per label, every other model a softmax.
 */
import { activationFor, softmax } from '../../lambdas/models/classifier';

describe('activationFor', () => {
  it('uses sigmoid for a one-label model, whatever its problem_type', () => {
    expect(activationFor(1, undefined)).toBe('sigmoid');
    expect(activationFor(1, null)).toBe('sigmoid');
    expect(activationFor(1, 'single_label_classification')).toBe('sigmoid');
  });

  it('uses sigmoid for multi-label models and softmax for the rest', () => {
    expect(activationFor(5, 'multi_label_classification')).toBe('sigmoid');
    expect(activationFor(2, undefined)).toBe('softmax');
    expect(activationFor(5, 'single_label_classification')).toBe('softmax');
  });

  it('softmax over one logit is the constant 1 that the sigmoid avoids', () => {
    expect(softmax([-3])).toEqual([1]);
    expect(softmax([3])).toEqual([1]);
  });
});
