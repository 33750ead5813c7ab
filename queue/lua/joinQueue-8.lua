--[[
  Puts an account in an event's waiting room, once. Before the draw the entry goes to the
  pre-queue (its ticket number comes from the lottery); from the draw on it takes the next
  ticket number after everyone already in line.

  KEYS[1]  meta (hash)
  KEYS[2]  accounts (hash accountId -> entryId)
  KEYS[3]  entries (hash entryId -> joinedAt:accountId)
  KEYS[4]  prequeue (list)
  KEYS[5]  late (list)
  KEYS[6]  ticketOf (hash entryId -> ticket number)
  KEYS[7]  joins from the caller's address in the current window (counter)
  KEYS[8]  joins by the account in the current window (counter)
  ARGV[1]  accountId
  ARGV[2]  a fresh random entry id, used only if the account has no entry yet
  ARGV[3]  joins allowed per address per window
  ARGV[4]  joins allowed per account per window
  ARGV[5]  window length in ms; 0 counts nothing (callers without limits: tests, benchmarks)

  The limits live here rather than in separate calls so a join costs one round trip; their
  counters sit under the event's hash tag, so a Redis Cluster keeps them with the room.

  Returns {created, entryId, joinedAt, ticket, phase, cursor}
    created  1 for a new entry, 0 when the account's existing entry is returned
    ticket   0 while the entry waits for the draw
  Errors: -1 not open, -2 closed, -4 entry id taken (retry with another id),
          {-11, retryAfterMs, 'address'|'account'} too many joins (a room that is not open counts none)
]]
--@include codes
--@include clock
--@include entries
--@include window
local meta = redis.call('HMGET', KEYS[1], 'phase', 'cursor', 'drawSize')
local phase = meta[1]
if not phase then return ERR_NOT_OPEN end

local windowMs = tonumber(ARGV[5])
if windowMs > 0 then
  local limits = {{KEYS[7], ARGV[3], 'address'}, {KEYS[8], ARGV[4], 'account'}}
  for _, limit in ipairs(limits) do
    local allowed, _, retryAfterMs = hitWindow(limit[1], tonumber(limit[2]), windowMs)
    if not allowed then return {ERR_RATE_LIMITED, retryAfterMs, limit[3]} end
  end
end

local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  local _, joinedAt = readEntry(KEYS[3], existing)
  local ticket = tonumber(redis.call('HGET', KEYS[6], existing) or '0')
  return {0, existing, joinedAt, ticket, phase, tonumber(meta[2])}
end
if phase == 'closed' then return ERR_CLOSED end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return ERR_ENTRY_ID_TAKEN end

local now = nowMs()
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], digits(now) .. ':' .. ARGV[1])
local ticket = 0
if phase == 'prequeue' then
  redis.call('RPUSH', KEYS[4], ARGV[2])
else
  -- The pre-queue was frozen at drawSize when the draw started; later arrivals queue behind it.
  ticket = tonumber(meta[3]) + redis.call('RPUSH', KEYS[5], ARGV[2])
  redis.call('HSET', KEYS[6], ARGV[2], ticket)
end
return {1, ARGV[2], now, ticket, phase, tonumber(meta[2])}
