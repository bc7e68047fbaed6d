// Small builders for the handler's answers: JSON bodies, error bodies with their status, and a
// request body read under a byte limit.
import { STATUS_OF, StateSyncHttpError, type StateSyncHttpErrorCode } from './errors';

export function jsonResponse(
  body: unknown,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** `{ type: 'error', code, message }`, the same shape as the stream's `error` frame. */
export function errorResponse(
  code: StateSyncHttpErrorCode,
  message: string,
  extra: { topic?: string; status?: number; headers?: Record<string, string> } = {},
): Response {
  const body = {
    type: 'error',
    code,
    message,
    ...(extra.topic === undefined ? {} : { topic: extra.topic }),
  };
  return jsonResponse(body, extra.status ?? STATUS_OF[code] ?? 500, {
    'cache-control': 'no-store',
    ...extra.headers,
  });
}

/** Reads a request body as text, refusing (`too_large`) as soon as it passes `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(total, maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(bytes: number, maxBytes: number): StateSyncHttpError {
  return new StateSyncHttpError(
    'too_large',
    `request body of ${bytes}+ bytes exceeds maxBodyBytes (${maxBytes})`,
  );
}
