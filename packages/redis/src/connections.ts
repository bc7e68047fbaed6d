// The two Redis connections a node needs (commands, and one in subscriber mode), their
// reconnects, and one `run` that turns every way a command can fail into a StateSyncRedisError.
import {
  ClientClosedError,
  ClientOfflineError,
  createClient,
  ErrorReply,
  type RedisClientOptions,
} from '@redis/client';
import { StateSyncRedisError } from './errors';
import type { LuaScript } from './scripts';

export type RedisClient = ReturnType<typeof createClient>;
export type ConnectionState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface ConnectionsOptions {
  url: string;
  clientOptions: RedisClientOptions;
  name: string;
  maxPendingCommands: number;
  commandTimeoutMs: number;
  reconnectBaseDelayMs: number;
  maxReconnectDelayMs: number;
  onError: (error: StateSyncRedisError) => void;
  /** The subscriber connection is ready again after a drop (it has resubscribed by then). */
  onSubscriberReconnected: () => void;
}

export interface Connections {
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  /** Runs `fn` on the command connection with the timeout and the error mapping. */
  run<T>(what: string, fn: (client: RedisClient) => Promise<T>, topic?: string): Promise<T>;
  evalScript(script: LuaScript, keys: string[], args: string[], topic?: string): Promise<unknown>;
  /** Resolves once both connections are ready (the first time). */
  ready(): Promise<void>;
  state(): { command: ConnectionState; subscriber: ConnectionState };
  close(): Promise<void>;
}

export function createConnections(options: ConnectionsOptions): Connections {
  // node-redis counts retries from 1 after a drop (0 on the very first connect).
  const reconnectStrategy = (retries: number) =>
    Math.min(
      options.reconnectBaseDelayMs * 2 ** Math.min(Math.max(retries - 1, 0), 16),
      options.maxReconnectDelayMs,
    ) + Math.floor(Math.random() * options.reconnectBaseDelayMs);
  const base: RedisClientOptions = {
    ...options.clientOptions,
    url: options.clientOptions.url ?? options.url,
    // Fail fast while Redis is away instead of piling up writes that would land out of context.
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxPendingCommands,
    socket: { ...options.clientOptions.socket, reconnectStrategy } as RedisClientOptions['socket'],
  };
  const command = createClient({ ...base, name: `${options.name}:cmd` });
  const subscriber = createClient({ ...base, name: `${options.name}:sub` });
  let closed = false;
  const everReady = { command: false, subscriber: false };
  const stateOf = (client: RedisClient, which: 'command' | 'subscriber'): ConnectionState =>
    closed ? 'closed' : client.isReady ? 'ready' : everReady[which] ? 'reconnecting' : 'connecting';

  // Commands issued while the store first connects wait for that connection (a server starting
  // next to Redis should not fail its first requests); once it is up, or once an attempt failed,
  // a command fails at once while Redis is away.
  let startup: Promise<void> | undefined = new Promise<void>((resolve, reject) => {
    command.once('ready', resolve);
    command.once('error', reject);
  }).finally(() => {
    startup = undefined;
  });
  startup.catch(() => {});

  function watch(client: RedisClient, which: 'command' | 'subscriber') {
    let lastErrorAt = 0;
    client.on('ready', () => {
      if (everReady[which] && which === 'subscriber') options.onSubscriberReconnected();
      everReady[which] = true;
    });
    client.on('error', (cause: unknown) => {
      if (closed) return;
      // One report per second and connection: a Redis that is down errors on every retry.
      const now = Date.now();
      if (now - lastErrorAt < 1_000) return;
      lastErrorAt = now;
      options.onError(
        new StateSyncRedisError('unavailable', `${which} connection to Redis: ${describe(cause)}`, {
          cause,
        }),
      );
    });
  }
  watch(command, 'command');
  watch(subscriber, 'subscriber');
  // connect() retries until Redis answers; nothing waits on it but ready().
  const connected = Promise.all([command.connect(), subscriber.connect()]).then(() => {});
  connected.catch(() => {});

  function mapError(what: string, cause: unknown, topic?: string): StateSyncRedisError {
    if (cause instanceof StateSyncRedisError) return cause;
    const where = topic === undefined ? '' : ` of topic ${JSON.stringify(topic.slice(0, 80))}`;
    if (closed || cause instanceof ClientClosedError)
      return new StateSyncRedisError('closed', `${what}${where} failed: the store is closed`, {
        cause,
        topic,
      });
    if (cause instanceof ErrorReply)
      return new StateSyncRedisError(
        'redis_error',
        `${what}${where}: Redis answered ${cause.message}`,
        { cause, topic },
      );
    if (cause instanceof Error && cause.message === 'The queue is full')
      return new StateSyncRedisError(
        'overloaded',
        `${what}${where} refused: ${options.maxPendingCommands} commands already wait for Redis (maxPendingCommands)`,
        { cause, topic },
      );
    const reason =
      cause instanceof ClientOfflineError ? 'Redis is not reachable right now' : describe(cause);
    return new StateSyncRedisError(
      'unavailable',
      `${what}${where} failed: ${reason}; retry once Redis is back`,
      { cause, topic },
    );
  }

  async function run<T>(what: string, fn: (client: RedisClient) => Promise<T>, topic?: string) {
    if (closed) throw mapError(what, undefined, topic);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StateSyncRedisError(
              'timeout',
              `${what}${topic === undefined ? '' : ` of topic ${JSON.stringify(topic.slice(0, 80))}`} got no answer from Redis within ${options.commandTimeoutMs} ms (a write may still have been applied)`,
              { topic },
            ),
          ),
        options.commandTimeoutMs,
      );
    });
    try {
      const attempt = async () => {
        if (startup) await startup;
        return fn(command);
      };
      return await Promise.race([attempt(), timeout]);
    } catch (cause) {
      throw mapError(what, cause, topic);
    } finally {
      clearTimeout(timer);
    }
  }

  async function evalScript(script: LuaScript, keys: string[], args: string[], topic?: string) {
    return run(
      'script',
      async (client) => {
        try {
          return await client.evalSha(script.sha1, { keys, arguments: args });
        } catch (error) {
          // First use on this Redis (or after SCRIPT FLUSH / a restart): send the body once.
          if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))
            return client.eval(script.source, { keys, arguments: args });
          throw error;
        }
      },
      topic,
    );
  }

  return {
    command,
    subscriber,
    run,
    evalScript,
    ready: () => connected,
    state: () => ({
      command: stateOf(command, 'command'),
      subscriber: stateOf(subscriber, 'subscriber'),
    }),
    async close() {
      if (closed) return;
      closed = true;
      // destroy(), not quit(): quit waits for Redis, which may be the very thing that is gone.
      for (const client of [command, subscriber]) {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
      await connected.catch(() => {});
    },
  };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
