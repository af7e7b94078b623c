/**
 * A JSON-lines file of text-only instruction data as samples, one per line (docs/sources.md):
 * `json` = the line's record as it was, `txt` = the conversation flattened to
 * `User: …\nAssistant: …` lines. Accepted records: `{"messages": [{role, content}, …]}` (content
 * a string or a list of `{type: 'text', text}` parts) or `{"prompt": …, "response": …}`.
 * Blank lines are not records. A line that is not JSON is `jsonl:invalid_json`; JSON of neither
 * shape is `jsonl:bad_schema`; both keep the line as `txt` in the rejects shard.
 */
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { keyStem, type SourceRecord } from './source-record';

export const JSONL_REASONS = {
  invalid_json: 'invalid_json',
  bad_schema: 'bad_schema',
} as const;
export type JsonlReason = (typeof JSONL_REASONS)[keyof typeof JSONL_REASONS];

const contentSchema = z.union([
  z.string(),
  z.array(z.object({ type: z.literal('text'), text: z.string() })).min(1),
]);
const messagesSchema = z.object({
  messages: z.array(z.object({ role: z.string().min(1), content: contentSchema })).min(1),
});
const promptSchema = z.object({ prompt: z.string(), response: z.string() });

export async function* readJsonlFile(
  input: Readable,
  fileKey: string,
): AsyncGenerator<SourceRecord> {
  const stem = keyStem(fileKey);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim().length === 0) continue;
    const key = `${stem}-l${String(n).padStart(6, '0')}`;
    const raw = Buffer.from(line, 'utf8');
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      yield invalid(key, 'invalid_json', `line ${n}: ${(error as Error).message}`, raw);
      continue;
    }
    const text = conversationText(record);
    if (text === undefined) {
      yield invalid(
        key,
        'bad_schema',
        `line ${n}: expected {messages: [...]} or {prompt, response}`,
        raw,
      );
      continue;
    }
    yield { kind: 'sample', sample: { key, parts: { txt: Buffer.from(text, 'utf8'), json: raw } } };
  }
}

/** `Role: content` per turn; undefined when the record has neither accepted shape. */
export function conversationText(record: unknown): string | undefined {
  const messages = messagesSchema.safeParse(record);
  if (messages.success) {
    return messages.data.messages
      .map((m) => {
        const content =
          typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('\n');
        return `${capitalised(m.role)}: ${content}`;
      })
      .join('\n');
  }
  const pair = promptSchema.safeParse(record);
  if (pair.success) return `User: ${pair.data.prompt}\nAssistant: ${pair.data.response}`;
  return undefined;
}

function capitalised(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

function invalid(key: string, reason: JsonlReason, detail: string, raw: Buffer): SourceRecord {
  return { kind: 'invalid', op: 'jsonl', key, reason, detail, parts: { txt: raw } };
}
