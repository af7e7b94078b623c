/** Stable codes for definition-time errors, so tests and tools can match on them. */
export const DSL_ERROR_CODES = {
  invalidName: 'VLMFLOW_INVALID_NAME',
  duplicateName: 'VLMFLOW_DUPLICATE_NAME',
  invalidParam: 'VLMFLOW_INVALID_PARAM',
  invalidStage: 'VLMFLOW_INVALID_STAGE',
  invalidPipeline: 'VLMFLOW_INVALID_PIPELINE',
} as const;
export type DslErrorCode = (typeof DSL_ERROR_CODES)[keyof typeof DSL_ERROR_CODES];

export class DslError extends Error {
  override readonly name = 'DslError';
  constructor(
    readonly code: DslErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Whole-graph validation failed: every problem found, each naming pipeline, stage and field. */
export class PipelineValidationError extends DslError {
  constructor(
    readonly pipeline: string,
    readonly problems: readonly string[],
  ) {
    super(
      DSL_ERROR_CODES.invalidPipeline,
      `pipeline "${pipeline}" is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
