// What travels on the pub/sub channel. Anything could publish there (another app with the same
// prefix, a typo in redis-cli), so every message is parsed and validated before it is believed.
import { isRevision } from '@state-sync/core';
import * as z from 'zod';

const revision = z.string().refine(isRevision, 'revision must be a canonical decimal u64 string');

export const invalidateMessageSchema = z.object({
  type: z.literal('invalidate'),
  topic: z.string().min(1),
  revision,
  epoch: z.string().min(1),
  sourceId: z.string().optional(),
  delta: z.object({ baseRevision: revision, ops: z.array(z.unknown()) }).optional(),
});

export const epochMessageSchema = z.object({
  type: z.literal('epoch'),
  epoch: z.string().min(1),
});

export const channelMessageSchema = z.discriminatedUnion('type', [
  invalidateMessageSchema,
  epochMessageSchema,
]);

export type ChannelMessage = z.infer<typeof channelMessageSchema>;

export type ParsedMessage = { ok: true; message: ChannelMessage } | { ok: false; problem: string };

export function parseChannelMessage(raw: string, maxBytes: number): ParsedMessage {
  // String length bounds the UTF-8 size from below; good enough to refuse a flood before parsing.
  if (raw.length > maxBytes)
    return {
      ok: false,
      problem: `message of ${raw.length} characters is larger than maxMessageBytes (${maxBytes})`,
    };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'message is not JSON' };
  }
  const result = channelMessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      problem: `message failed the schema at "${issue?.path.join('.')}": ${issue?.message}`,
    };
  }
  return { ok: true, message: result.data };
}
