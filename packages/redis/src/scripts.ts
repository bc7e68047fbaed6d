// The Lua scripts. Each runs atomically in Redis and touches only keys of one hash slot (one
// topic's record and log, or the epoch key alone), so they also run on Redis Cluster.
import { createHash } from 'node:crypto';
import { MUTATION_LUA } from './mutation-lua';

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Compare-and-set write. KEYS: record, log, and with a mutation: the client's key, the clients set.
 * ARGV: epoch, expected revision ('' = never written), data JSON, ops JSON ('' = no delta), max log
 * entries, max log bytes, channel, topic JSON, epoch JSON, sourceId JSON ('' = none), '1' to
 * publish the delta, orphan epoch it may replace, then the mutation ('' = none): seq, client id,
 * ttl ms, max clients, client key prefix.
 * Returns {'ok', revision, evicted log entries, evicted clients} | {'conflict', current} |
 * {'seq', stored seq} | {'epoch', recordEpoch} | {'overflow'}.
 */
export const WRITE_SCRIPT = script(`${MUTATION_LUA}
local function increment(s)
  -- Revisions are decimal u64 strings; Lua numbers are doubles, so add one digit by digit.
  local out, carry = {}, 1
  for i = #s, 1, -1 do
    local d = string.byte(s, i) - 48 + carry
    if d == 10 then d = 0; carry = 1 else carry = 0 end
    out[i] = string.char(48 + d)
  end
  local r = table.concat(out)
  if carry == 1 then r = '1' .. r end
  if #r > 20 or (#r == 20 and r > '18446744073709551615') then return nil end
  return r
end

local cur = redis.call('HMGET', KEYS[1], 'e', 'r', 'lb')
local e, r, lb = cur[1], cur[2], tonumber(cur[3]) or 0
if e and e ~= ARGV[1] then
  -- Written under another epoch: either our epoch is stale (the caller refreshes it) or the record
  -- is an orphan left from before the epoch key was lost, which the caller allows us to replace.
  if e ~= ARGV[12] then return {'epoch', e} end
  e = false; r = false; lb = 0
  redis.call('DEL', KEYS[2])
end
if (r or '') ~= ARGV[2] then return {'conflict', r or ''} end
local seq = ARGV[13] ~= '' and tonumber(ARGV[13])
if seq then
  local stored = mutation_seq(KEYS[3])
  if stored >= seq then return {'seq', tostring(stored)} end
end
local base = r or '0'
local rev = increment(base)
if not rev then return {'overflow'} end

-- Entries are '<revision> <ops JSON>'; lb sums the bytes of the ops JSON (Lua's # counts bytes).
local evicted = 0
local maxEntries, maxBytes = tonumber(ARGV[5]), tonumber(ARGV[6])
if ARGV[4] == '' or maxEntries == 0 or #ARGV[4] > maxBytes then
  -- Nothing can be chained across a write without a (keepable) delta: resume must pull.
  evicted = redis.call('LLEN', KEYS[2])
  redis.call('DEL', KEYS[2]); lb = 0
else
  redis.call('RPUSH', KEYS[2], rev .. ' ' .. ARGV[4])
  lb = lb + #ARGV[4]
  local n = redis.call('LLEN', KEYS[2])
  while n > 0 and (n > maxEntries or lb > maxBytes) do
    local old = redis.call('LPOP', KEYS[2])
    lb = lb - (#old - string.find(old, ' ', 1, true)); n = n - 1; evicted = evicted + 1
  end
end
redis.call('HSET', KEYS[1], 'e', ARGV[1], 'r', rev, 'd', ARGV[3], 'lb', lb)

local msg = '{"type":"invalidate","topic":' .. ARGV[8] .. ',"revision":"' .. rev .. '","epoch":' .. ARGV[9]
if ARGV[10] ~= '' then msg = msg .. ',"sourceId":' .. ARGV[10] end
if ARGV[11] == '1' then msg = msg .. ',"delta":{"baseRevision":"' .. base .. '","ops":' .. ARGV[4] .. '}' end
redis.call('PUBLISH', ARGV[7], msg .. '}')
local clientsEvicted = 0
if seq then
  clientsEvicted = mutation_record(KEYS[3], KEYS[4], ARGV[14], ARGV[13], tonumber(ARGV[15]),
    tonumber(ARGV[16]), ARGV[17])
end
return {'ok', rev, evicted, clientsEvicted}
`);

/**
 * Records a mutation processed without a write (refused by its mutator). KEYS: the client's key,
 * the clients set. ARGV: seq, client id, value ('<seq>' or '<seq> <rejection JSON>'), ttl ms,
 * max clients, client key prefix. Returns {1, evicted clients} when recorded, {0, 0} when the
 * stored seq was not lower.
 */
export const RECORD_MUTATION_SCRIPT = script(`${MUTATION_LUA}
if mutation_seq(KEYS[1]) >= tonumber(ARGV[1]) then return {0, 0} end
return {1, mutation_record(KEYS[1], KEYS[2], ARGV[2], ARGV[3], tonumber(ARGV[4]),
  tonumber(ARGV[5]), ARGV[6])}
`);

/** KEYS: record, log. Returns {epoch, revision, entry…} with '' for a missing record. */
export const READ_SINCE_SCRIPT = script(`
local cur = redis.call('HMGET', KEYS[1], 'e', 'r')
local out = {cur[1] or '', cur[2] or ''}
if cur[2] then
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do out[#out + 1] = entry end
end
return out
`);

/**
 * KEYS: epoch. ARGV: a fresh epoch, channel. Returns the epoch, creating it (and announcing it on
 * the channel) when Redis has none: after a restart without persistence or a FLUSHALL.
 */
export const EPOCH_SCRIPT = script(`
local e = redis.call('GET', KEYS[1])
if e then return e end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '{"type":"epoch","epoch":' .. cjson.encode(ARGV[1]) .. '}')
return ARGV[1]
`);
