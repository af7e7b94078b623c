import { DSL_ERROR_CODES, DslError } from './errors';

/**
 * Names become parts of Step Functions state names (1–80 characters, no whitespace-only,
 * no `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /` or control characters), S3 keys, Lambda and
 * state machine names. One conservative rule covers all of them.
 */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const PARAM_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function checkName(kind: 'pipeline' | 'stage', name: string, where: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new DslError(
      DSL_ERROR_CODES.invalidName,
      `${where}: invalid ${kind} name ${JSON.stringify(name)}: use 1-40 characters, lower-case letters, ` +
        `digits and '-', starting with a letter (it becomes part of Step Functions state names and S3 keys)`,
    );
  }
}

export function checkParamName(name: string, where: string): void {
  if (!PARAM_PATTERN.test(name)) {
    throw new DslError(
      DSL_ERROR_CODES.invalidName,
      `${where}: invalid parameter name ${JSON.stringify(name)}: use letters, digits and '_', starting with a letter`,
    );
  }
}
