export { pipeline, isPipeline, type Pipeline } from './pipeline';
export { param, type ParamDef, type ParamRefs } from './params';
export { inheritedChain, inheritedParams } from './derive';
export type {
  PipelineBuilder,
  SourceOptions,
  MixOptions,
  TrainOptions,
  MapSettings,
} from './pipeline-builder';
export type { SourceBuilder, RunDedupOptions } from './source-builder';
export { DslError, PipelineValidationError, DSL_ERROR_CODES } from './errors';
export * from '../../core/ir';
export {
  defineOperator,
  keep,
  reject,
  type Operator,
  type OperatorDeclaration,
  type Outcome,
  type OperatorInstance,
} from '../../core/ops/operator';
export type { Sample } from '../../core/ops/sample';
export { withParts, imagePart, textPart } from '../../core/ops/sample';
