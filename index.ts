/**
 * The package root, for pipelines and custom operators in a project of their own:
 *
 *   import { pipeline, param, ops, defineOperator, textPart, z } from 'vlmflow';
 *
 * The DSL (builders, parameter types, the IR), the built-in operators' declarations, what a
 * custom operator needs (defineOperator, sample parts, outcomes) and the zod it declares its
 * arguments with: the same zod instance vlmflow validates with, so schemas agree.
 */
export * from './infra/dsl';
export { ops } from './core/ops';
export { z } from 'zod';
