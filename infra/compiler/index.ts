import type { PipelineGraph } from '../../core/ir';
import type { StateMachineDefinition } from './asl';
import { canonicalJson, sha256Hex } from './hash';
import { placeholdersIn, type Placeholder } from '../../core/placeholders';
import { renderMachine } from './render-machine';
import { version } from '../../package.json';

export interface Compiled {
  readonly definition: StateMachineDefinition;
  /** Placeholders the definition uses (`${Name}`), in a stable order. */
  readonly substitutions: readonly Placeholder[];
  /** sha256 of the canonical graph: recorded in every dataset's lineage. */
  readonly definitionHash: string;
}

/** What the graph asks for that the compiled machine cannot express; one line per problem. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    readonly pipeline: string,
    readonly problems: readonly string[],
  ) {
    super(
      `pipeline "${pipeline}" does not compile:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Pure: the same graph always yields the same definition, byte for byte. */
export function compile(graph: PipelineGraph): Compiled {
  const definitionHash = sha256Hex(canonicalJson(graph));
  const { state: definition, problems } = renderMachine(graph, definitionHash, version);
  if (problems.length > 0) throw new CompileError(graph.name, problems);
  return { definition, substitutions: placeholdersIn(JSON.stringify(definition)), definitionHash };
}

export const renderDefinitionJson = (c: Compiled): string =>
  JSON.stringify(c.definition, null, 2) + '\n';

export {
  PLACEHOLDERS,
  substitute,
  placeholdersIn,
  type Placeholder,
} from '../../core/placeholders';
export { STATE_NAMES } from './names';
export { renderMermaid } from './mermaid';
export { segmentsOf, stageLayoutOf, type StageLayout, type DedupSplit } from './segments';
export type { StateMachineDefinition } from './asl';
