// Pub/sub is fire-and-forget: whatever was published while our subscriber was away is gone. After
// every (re)subscribe, re-read the epoch and the revision of every watched topic and emit what
// changed. Retries with backoff until a pass completes (the command connection may still be down).
import type { NodeContext } from './node-context';

export interface AntiEntropyOptions {
  /** One full pass; throws if Redis fails mid-way. */
  pass: () => Promise<void>;
  onFailure: (cause: unknown) => void;
  maxDelayMs: number;
}

export interface AntiEntropy {
  /** Runs a pass now, or right after the one in progress. */
  trigger(): void;
  /** Settles when no pass is running or queued (for tests and close). */
  idle(): Promise<void>;
  stop(): void;
}

export function createAntiEntropy(options: AntiEntropyOptions): AntiEntropy {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        await options.pass();
        failures = 0;
      } catch (cause) {
        if (stopped) return;
        options.onFailure(cause);
        failures++;
        const delay = Math.min(100 * 2 ** Math.min(failures, 16), options.maxDelayMs);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          trigger();
        }, delay);
        return;
      }
    } while (again && !stopped);
  }

  function trigger(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(retryTimer);
    retryTimer = undefined;
    running = loop().finally(() => {
      running = undefined;
    });
  }

  return {
    trigger,
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
    },
  };
}

/** Topics re-read per pipelined batch. */
const BATCH = 256;

/** One pass: the epoch first (a change already told everyone to resync), then every watched topic. */
export function antiEntropyPass(context: NodeContext): () => Promise<void> {
  const { connections, keys, metrics, watched } = context;
  return async () => {
    const before = context.epoch();
    const epoch = await context.fetchEpoch();
    if (before === undefined || before === epoch) {
      const topics = watched.topics();
      for (let i = 0; i < topics.length; i += BATCH) {
        const slice = topics.slice(i, i + BATCH);
        // node-redis pipelines the commands issued in one tick.
        const replies = await Promise.all(
          slice.map((topic) =>
            connections.run(
              'anti-entropy read',
              (client) => client.hmGet(keys.record(topic), ['e', 'r']),
              topic,
            ),
          ),
        );
        slice.forEach((topic, index) => {
          const [recordEpoch, revision] = replies[index] as (string | null)[];
          if (!revision || recordEpoch !== epoch || context.epoch() !== epoch) return;
          if (!watched.isNews(topic, revision)) return;
          watched.announced(topic, revision);
          metrics.antiEntropyEmitted++;
          context.emit({ topic, revision, epoch });
        });
      }
    }
    metrics.antiEntropyPasses++;
  };
}
