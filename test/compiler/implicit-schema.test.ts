/**
 * The execution input's JSON Schema lists every implicit operator parameter with its JSON type,
 * enum, bounds and the pipeline's literal as default; bound arguments are left out (they are
 * set through their declared parameter). Checked with ajv (draft 2020-12, strict).
 */
import Ajv2020 from 'ajv/dist/2020';
import { renderInputSchema } from '../../infra/compiler/input-schema';
import demo from '../e2e/implicit-params.pipeline';
import pairsBasic from '../../pipelines/pairs-basic';

const schema = renderInputSchema(demo.graph, demo.operators);
const params = schema.properties?.params?.properties ?? {};
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

describe('renderInputSchema with implicit operator parameters', () => {
  it('lists declared parameters, then every settable operator argument in chain order', () => {
    expect(Object.keys(params)).toEqual([
      'maxConcurrency',
      'toleratedFailurePercentage',
      'statsInJson',
      'minWords',
      'pairs.image.size.minSide',
      'pairs.image.size.maxSide',
      'pairs.image.size.maxAspectRatio',
      'pairs.image.size.minPixels',
      // pairs.text.length.minWords is bound to minWords.
      'pairs.text.length.minChars',
      'pairs.text.length.maxWords',
      'pairs.text.length.maxChars',
      'pairs.text.length#2.minWords',
      'pairs.text.length#2.minChars',
      'pairs.text.length#2.maxWords',
      'pairs.text.length#2.maxChars',
    ]);
  });

  it('gives each its type, bounds and default (the literal in the pipeline)', () => {
    expect(params['pairs.image.size.minSide']).toEqual({
      type: 'integer',
      minimum: 0,
      default: 64,
      description: 'Argument "minSide" of operator image.size in source "pairs"',
    });
    expect(params['pairs.image.size.maxSide']).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
      default: 20000,
      description: 'Argument "maxSide" of operator image.size in source "pairs"',
    });
    expect(params['pairs.text.length.maxWords']).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
      description:
        'Argument "maxWords" of operator text.length in source "pairs"; unset by default',
    });
    expect(params['pairs.text.length#2.maxWords']).toMatchObject({
      default: 50,
      description: 'Argument "maxWords" of operator text.length (use #2) in source "pairs"',
    });
  });

  it('lists enums from the operator schema', () => {
    const pairs = renderInputSchema(pairsBasic.graph).properties?.params?.properties ?? {};
    expect(pairs['pairs.image.resize.format']).toMatchObject({
      type: 'string',
      enum: ['jpeg', 'webp', 'png'],
      default: 'jpeg',
    });
    expect(pairs['pairs.image.decode.normalize']).toMatchObject({ type: 'boolean', default: true });
    expect(pairs).not.toHaveProperty(['pairs.image.size.minSide']);
  });

  it('accepts good values and rejects bad ones, unknown names and bound arguments', () => {
    expect(validate({ params: { 'pairs.image.size.minSide': 100 } })).toBe(true);
    expect(validate({ params: { 'pairs.image.size.minSide': -1 } })).toBe(false);
    expect(validate({ params: { 'pairs.image.size.minSide': 1.5 } })).toBe(false);
    expect(validate({ params: { 'pairs.image.size.minSde': 100 } })).toBe(false);
    expect(validate({ params: { 'pairs.text.length.minWords': 3 } })).toBe(false);
  });
});
