import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientMessageSchemas,
  commonFeatures,
  createInvalidateMessageSchema,
  deltaSchema,
  getMessageSchema,
  helloMessageSchema,
  invalidateMessageSchema,
  isTopicName,
  MAX_DELTA_OPS,
  mutateMessageSchema,
  PROTOCOL_VERSION,
  parseFrame,
  serverMessageSchemas,
  snapshotMessageSchema,
} from '../src/index';

const invalidate = { type: 'invalidate', topic: 'board', revision: '8', epoch: 'e1' };
const delta = { baseRevision: '7', ops: [{ op: 'replace', path: '/n', value: 8 }] };

describe('invalidate', () => {
  it('accepts a plain invalidation, one with a delta, and one with inline data', () => {
    expect(invalidateMessageSchema.safeParse(invalidate).success).toBe(true);
    expect(invalidateMessageSchema.parse({ ...invalidate, delta })).toMatchObject({ delta });
    const inline = invalidateMessageSchema.parse({ ...invalidate, data: null });
    expect('data' in inline && inline.data).toBeNull();
  });

  it('refuses a delta and data together, and a delta that does not start below the revision', () => {
    expect(invalidateMessageSchema.safeParse({ ...invalidate, delta, data: {} }).success).toBe(
      false,
    );
    const ahead = { ...delta, baseRevision: '8' };
    expect(invalidateMessageSchema.safeParse({ ...invalidate, delta: ahead }).success).toBe(false);
  });

  it('refuses bad ops with the op index and the problem named', () => {
    const bad = { ...delta, ops: [delta.ops[0], { op: 'add', path: '/__proto__/x', value: 1 }] };
    const parsed = parseFrame(serverMessageSchemas, JSON.stringify({ ...invalidate, delta: bad }));
    expect(parsed).toMatchObject({ ok: false, code: 'bad_request' });
    expect(!parsed.ok && parsed.problem).toMatch(/delta\.ops\.1: op 1: add: path "\/__proto__\/x"/);
  });

  it('bounds the ops of a delta, with limits you can set', () => {
    const many = { ...delta, ops: Array.from({ length: 3 }, () => delta.ops[0]) };
    expect(deltaSchema.safeParse(many).success).toBe(true);
    const strict = createInvalidateMessageSchema({ maxOps: 2 });
    expect(strict.safeParse({ ...invalidate, delta: many }).success).toBe(false);
    const longPath = { ...delta, ops: [{ op: 'remove', path: `/${'x'.repeat(40)}` }] };
    const short = createInvalidateMessageSchema({ maxPathLength: 32 });
    expect(short.safeParse({ ...invalidate, delta: longPath }).success).toBe(false);
  });
});

describe('snapshot', () => {
  const snapshot = { type: 'snapshot', id: 'r1', topic: 'board', revision: '8', epoch: 'e1' };
  it('carries data, or (answering since) a delta: exactly one', () => {
    expect(snapshotMessageSchema.safeParse({ ...snapshot, data: { n: 8 } }).success).toBe(true);
    expect(snapshotMessageSchema.safeParse({ ...snapshot, data: null }).success).toBe(true);
    expect(snapshotMessageSchema.safeParse({ ...snapshot, delta }).success).toBe(true);
    expect(snapshotMessageSchema.safeParse(snapshot).success).toBe(false);
    expect(snapshotMessageSchema.safeParse({ ...snapshot, delta, data: 1 }).success).toBe(false);
  });
});

describe('hello, auth and features', () => {
  it('parses a hello from a newer protocol version, with features, so the client can decide', () => {
    const hello = { type: 'hello', protocol: 2, epoch: 'e', heartbeatMs: 1000, features: ['x'] };
    expect(helloMessageSchema.parse(hello)).toMatchObject({ protocol: 2, features: ['x'] });
    expect(helloMessageSchema.safeParse({ ...hello, protocol: 0 }).success).toBe(false);
  });

  it('lets an old client (no features) fall back to plain invalidations', () => {
    const auth = clientMessageSchemas.auth.parse({ type: 'auth' });
    expect(commonFeatures(['delta', 'inline', 'resume'], auth.features)).toStrictEqual([]);
    const modern = clientMessageSchemas.auth.parse({
      type: 'auth',
      protocol: PROTOCOL_VERSION,
      features: ['resume', 'delta', 'teleport'],
    });
    expect(commonFeatures(['delta', 'inline', 'resume'], modern.features)).toStrictEqual([
      'delta',
      'resume',
    ]);
  });
});

describe('get and mutate', () => {
  it('accepts get with since, and refuses a since with a bad revision', () => {
    const get = { type: 'get', id: 'r1', topic: 'board' };
    expect(getMessageSchema.safeParse(get).success).toBe(true);
    const since = { epoch: 'e1', revision: '7' };
    expect(getMessageSchema.parse({ ...get, since })).toMatchObject({ since });
    const bad = { ...get, since: { epoch: 'e1', revision: '07' } };
    expect(getMessageSchema.safeParse(bad).success).toBe(false);
  });

  it('takes a mutator call or an op, and clientId with seq together', () => {
    const mutate = { type: 'mutate', id: 'm1', topic: 'board' };
    const named = { ...mutate, name: 'increment', args: { by: 1 }, clientId: 'c1', seq: 3 };
    expect(mutateMessageSchema.safeParse(named).success).toBe(true);
    expect(mutateMessageSchema.safeParse({ ...mutate, op: { type: 'x' } }).success).toBe(true);
    expect(mutateMessageSchema.safeParse(mutate).success).toBe(false);
    expect(mutateMessageSchema.safeParse({ ...named, op: 1 }).success).toBe(false);
    expect(mutateMessageSchema.safeParse({ ...named, seq: undefined }).success).toBe(false);
    expect(mutateMessageSchema.safeParse({ ...named, seq: -1 }).success).toBe(false);
    expect(mutateMessageSchema.safeParse({ ...named, seq: 0 }).success).toBe(false);
    expect(mutateMessageSchema.safeParse({ ...named, clientId: 'c'.repeat(129) }).success).toBe(
      false,
    );
  });

  it('carries the write path: ack position, lastAppliedSeq on snapshots, mutation marks', () => {
    const ack = { type: 'ack', id: 'm1', revision: '9', epoch: 'e1', lastAppliedSeq: 3 };
    expect(serverMessageSchemas.ack.parse({ ...ack, duplicate: true })).toEqual({
      ...ack,
      duplicate: true,
    });
    const snapshot = { type: 'snapshot', id: 'r1', topic: 'b', revision: '9', epoch: 'e1' };
    expect(snapshotMessageSchema.parse({ ...snapshot, data: 1, lastAppliedSeq: 0 })).toMatchObject({
      lastAppliedSeq: 0,
    });
    expect(
      snapshotMessageSchema.safeParse({ ...snapshot, data: 1, lastAppliedSeq: -1 }).success,
    ).toBe(false);
    const mutation = { clientId: 'c1', seq: 3 };
    expect(invalidateMessageSchema.parse({ ...invalidate, mutation })).toMatchObject({ mutation });
    const rejected = {
      type: 'error',
      id: 'm1',
      code: 'not_found',
      message: 'gone',
      rejected: true,
    };
    expect(serverMessageSchemas.error.parse(rejected)).toEqual(rejected);
    const get = { type: 'get', id: 'r1', topic: 'b', clientId: 'c1' };
    expect(getMessageSchema.parse(get)).toEqual(get);
  });
});

describe('the topic rule', () => {
  it.each(['__proto__', 'constructor', 'prototype', '', '  ', 'x'.repeat(257)])(
    'refuses topic %j with invalid_topic',
    (topic) => {
      expect(isTopicName(topic)).toBe(false);
      const frame = JSON.stringify({ type: 'subscribe', topics: ['ok', topic] });
      expect(parseFrame(clientMessageSchemas, frame)).toMatchObject({
        ok: false,
        code: 'invalid_topic',
      });
    },
  );

  it('refuses a reserved topic as a beacon key', () => {
    const frame = '{"type":"beacon","epoch":"e","revisions":{"constructor":"1"}}';
    expect(parseFrame(serverMessageSchemas, frame)).toMatchObject({
      ok: false,
      code: 'invalid_topic',
    });
  });
});

describe('parseFrame', () => {
  it('names what is wrong with a frame and never throws', () => {
    expect(parseFrame(clientMessageSchemas, 42)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(parseFrame(clientMessageSchemas, '{')).toMatchObject({ ok: false, code: 'bad_request' });
    expect(parseFrame(clientMessageSchemas, 'null')).toMatchObject({ ok: false });
    expect(parseFrame(clientMessageSchemas, '{"type":"toString"}')).toMatchObject({
      ok: false,
      problem: 'unknown message type "toString"',
    });
  });

  it('echoes the id of a refused request so its sender can fail it at once', () => {
    const frame = JSON.stringify({ type: 'get', id: 'r9', topic: 'board', since: 'yesterday' });
    expect(parseFrame(clientMessageSchemas, frame)).toMatchObject({ ok: false, id: 'r9' });
  });

  it('ignores unknown fields', () => {
    const frame = JSON.stringify({ ...invalidate, future: true });
    const parsed = parseFrame(serverMessageSchemas, frame);
    expect(parsed.ok && parsed.message).toStrictEqual(invalidate);
  });
});

describe('bounds under a flood', () => {
  it('refuses a delta of a million ops by its length, at the default bound', () => {
    const op = { op: 'replace', path: '/n', value: 1 };
    const flood = {
      ...invalidate,
      delta: { baseRevision: '7', ops: new Array(1_000_000).fill(op) },
    };
    const parsed = parseFrame(serverMessageSchemas, JSON.stringify(flood));
    expect(parsed).toMatchObject({ ok: false, code: 'bad_request' });
    expect(!parsed.ok && parsed.problem).toMatch(/1000000 operations is over the limit of 10000/);
    const atBound = { ...flood, delta: { ...flood.delta, ops: new Array(MAX_DELTA_OPS).fill(op) } };
    expect(invalidateMessageSchema.safeParse(atBound).success).toBe(true);
  });
});

describe('parseFrame under random input', () => {
  it('answers ok or a named problem for any frame, never throwing', () => {
    const frame = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({
          type: fc.constantFrom(
            ...Object.keys(serverMessageSchemas),
            ...Object.keys(clientMessageSchemas),
          ),
          rest: fc.dictionary(
            fc.constantFrom(
              'id',
              'topic',
              'topics',
              'revision',
              'epoch',
              'delta',
              'data',
              'since',
              'name',
              'op',
              'seq',
            ),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        })
        .map(({ type, rest }) => JSON.stringify({ ...rest, type })),
      fc.anything(),
    );
    fc.assert(
      fc.property(frame, (input) => {
        for (const schemas of [serverMessageSchemas, clientMessageSchemas]) {
          const parsed = parseFrame(schemas, input);
          if (!parsed.ok) expect(parsed.problem).toEqual(expect.any(String));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
