/**
 * `${Name}` placeholders in the compiled definition, filled by CDK definitionSubstitutions on
 * AWS and by the local runner on one machine. One per Lambda function (core/functions.ts), the
 * training job queue and definition, and the data root.
 */
import {
  LAMBDA_FUNCTION_NAMES,
  functionArnPlaceholder,
  type FunctionArnPlaceholder,
  type LambdaFunctionName,
} from './functions';

const FUNCTION_PLACEHOLDERS = Object.fromEntries(
  LAMBDA_FUNCTION_NAMES.map((name) => [name, functionArnPlaceholder(name)]),
) as { readonly [N in LambdaFunctionName]: FunctionArnPlaceholder<N> };

export const PLACEHOLDERS = {
  ...FUNCTION_PLACEHOLDERS,
  trainQueue: 'TrainJobQueueArn',
  trainDefinition: 'TrainJobDefinitionArn',
  dataRoot: 'DataRoot',
} as const;
export type Placeholder = (typeof PLACEHOLDERS)[keyof typeof PLACEHOLDERS];

/** A `${Name}` in a definition; the one pattern the compiler, CDK and the local runner use. */
export const PLACEHOLDER_PATTERN = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;

export const ref = (name: Placeholder): string => `\${${name}}`;

/** Placeholders a definition uses, in a stable order. */
export function placeholdersIn(definitionJson: string): Placeholder[] {
  const all = Object.values(PLACEHOLDERS) as Placeholder[];
  return all.filter((name) => definitionJson.includes(ref(name)));
}

/** Every `${Name}` a definition holds, known or not, each once. */
export function namesIn(definitionJson: string): string[] {
  return [...new Set([...definitionJson.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]!))];
}

/** Replaces every `${Name}`; throws on a placeholder without a value so nothing stays unfilled. */
export function substitute(
  definitionJson: string,
  values: Readonly<Partial<Record<Placeholder, string>>>,
): string {
  return definitionJson.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
    const value = values[name as Placeholder];
    if (value === undefined) throw new Error(`no value for placeholder ${whole}`);
    return value;
  });
}
