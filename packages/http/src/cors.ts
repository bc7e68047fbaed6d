// CORS for browsers on other origins: an allow-list, preflight answers, and a refusal of requests
// from origins not on the list (they could carry the user's cookies: a cross-site mutate).

export interface CorsOptions {
  /** Allowed `Origin` values, or a predicate. */
  origins: readonly string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (cookies). Default false. */
  credentials?: boolean;
  /** How long a browser may keep a preflight answer. Default 600 s. */
  maxAgeSeconds?: number;
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Last-Event-ID, If-None-Match';
const EXPOSE_HEADERS = 'ETag';

export function originAllowed(cors: CorsOptions, origin: string): boolean {
  return typeof cors.origins === 'function'
    ? cors.origins(origin) === true
    : cors.origins.includes(origin);
}

/** Headers to add to an answer to `origin` (already known to be allowed). */
export function corsHeaders(cors: CorsOptions, origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': EXPOSE_HEADERS,
    ...(cors.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}

export function preflightHeaders(cors: CorsOptions, origin: string): Record<string, string> {
  return {
    ...corsHeaders(cors, origin),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': ALLOW_HEADERS,
    'access-control-max-age': String(cors.maxAgeSeconds ?? 600),
    vary: 'Origin',
  };
}
