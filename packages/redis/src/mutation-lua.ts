// Lua shared by the write script and the record script: the last mutation of each client, kept in
// one string key per client with a PX TTL, plus a sorted set of clients by last update for the
// client count bound. Values are '<seq>' or '<seq> <rejection JSON>'.
//
// These keys are global (not per topic): a client's seq orders its mutations across all topics,
// and `lastMutation(clientId)` has no topic. A write carrying a mutation therefore touches keys
// of two hash slots (the topic's and the client's), which Redis Cluster refuses (CROSSSLOT):
// exactly-once writes need a single Redis (primary/replicas, Sentinel), see the README.

/**
 * Defines `mutation_seq(key)` (0 for an unknown or expired client) and
 * `mutation_record(key, zkey, clientId, value, ttlMs, maxClients, clientKeyPrefix)` (returns the
 * clients forgotten: expired entries dropped from the set, and the least recently updated beyond
 * maxClients, whose keys are deleted).
 */
export const MUTATION_LUA = `
local function mutation_seq(key)
  local v = redis.call('GET', key)
  if not v then return 0 end
  return tonumber(string.match(v, '^%d+')) or 0
end

local function mutation_record(key, zkey, clientId, value, ttl, maxClients, clientKeyPrefix)
  -- Redis's own clock, the same one PX expires by, so set and keys agree on who expired.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('SET', key, value, 'PX', ttl)
  -- Entries whose key PX already expired (Redis expires a key once now > its deadline, hence the
  -- exclusive bound): counted as forgotten here, where the set learns of it.
  local evicted = redis.call('ZREMRANGEBYSCORE', zkey, '-inf', '(' .. string.format('%d', now - ttl))
  -- Out of the set while evicting, so the client just written is never its own victim.
  redis.call('ZREM', zkey, clientId)
  local excess = redis.call('ZCARD', zkey) + 1 - maxClients
  if excess > 0 then
    local popped = redis.call('ZPOPMIN', zkey, excess)
    for i = 1, #popped, 2 do redis.call('DEL', clientKeyPrefix .. popped[i]) end
    evicted = evicted + excess
  end
  redis.call('ZADD', zkey, now, clientId)
  return evicted
end
`;
