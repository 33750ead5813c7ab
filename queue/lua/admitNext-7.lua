--[[
  Admits the next ticket numbers after the serving cursor and grants each admitted entry a
  purchase token. Atomic, so two schedulers racing never admit a number twice or skip one.

  KEYS[1]  meta (hash)
  KEYS[2]  drawn (list, index 0 = ticket 1)
  KEYS[3]  late (list, index 0 = ticket drawSize+1)
  KEYS[4]  entries (hash)
  KEYS[5]  tokens (hash tokenHash -> entryId)
  KEYS[6]  grants (hash entryId -> state:expiresAt:nonce)
  KEYS[7]  outstanding (zset entryId by expiry)
  ARGV[1]  how many to admit at most
  ARGV[2]  cap on outstanding tokens after this call (-1: no cap), so admission stops while
           the tokens already out could buy every unsold seat
  ARGV[3]  token TTL in milliseconds (0: the room's default)
  ARGV[4]  reserve window, ms (0: for the token's whole life): a token issued longer ago than
           this stays valid but no longer counts against the cap, so a fan who never comes
           back holds nobody else's admission for the token's whole TTL
  ARGV[5]  claim window, ms (claimToken-6): a claimed token counts for that long, whatever
           its age, while its hold commits
  ARGV[6]  meta's settledTokens as read before the caller counted the unsold seats (-1: all):
           settled tokens up to that number had committed their holds by then, so the count
           includes their seats and they stop counting here; later ones still count
           (settleToken-5)
  ARGV[7…] pairs of (nonce, tokenHash), at least as many pairs as ARGV[1]

  Returns {status, cursor, expiresAt, entryId1, accountId1, entryId2, accountId2, …}
    status  1 admitting (the list may be empty: nobody waiting or the cap reached),
            2 paused, 3 sold out, 4 closed, 5 not live yet (pre-queue or drawing)
    cursor  the last ticket number admitted; the i-th entry returned has ticket old cursor + i
  Errors: -1 not open
]]
--@include codes
--@include clock
--@include grants
--@include entries
-- Tokens out that still hold admission back. The set is scored by expiry: an unclaimed token
-- issued within the reserve window expires after now + ttl - reserve; a claimed one (rescored
-- to the end of its claim window) within now + claimWindow, where a token about to expire is
-- counted too, to be safe; a settled one not yet seen (scored below 0) too. Tokens of this
-- room share its TTL, so the score tells the age.
local function reserving(key, now, ttl, reserve, claimWindow)
  if reserve <= 0 or reserve >= ttl - claimWindow then return redis.call('ZCARD', key) end
  return redis.call('ZCOUNT', key, '(' .. digits(now + ttl - reserve), '+inf')
    + redis.call('ZCOUNT', key, '-inf', digits(now + claimWindow))
end

local meta = redis.call('HMGET', KEYS[1], 'phase', 'soldout', 'cursor', 'drawSize', 'tokenTtlMs')
local phase = meta[1]
if not phase then return ERR_NOT_OPEN end
local cursor = tonumber(meta[3])
local now = nowMs()
-- Expired tokens give their seats back before the cap is computed, and settled ones the caller's
-- count of unsold seats includes stop counting (-settled ≤ score < 0).
sweepExpired(KEYS[1], KEYS[6], KEYS[7], now, 1000)
local settled = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[7], settled < 0 and '-inf' or -settled, '(0')
if phase == 'paused' then return {2, cursor, 0} end
if phase == 'closed' then return {4, cursor, 0} end
if phase ~= 'live' then return {5, cursor, 0} end
if meta[2] == '1' then return {3, cursor, 0} end

local drawSize = tonumber(meta[4])
local lastTicket = drawSize + redis.call('LLEN', KEYS[3])
local n = math.min(tonumber(ARGV[1]), lastTicket - cursor, math.floor((#ARGV - 6) / 2))
local ttl = tonumber(ARGV[3])
if ttl <= 0 then ttl = tonumber(meta[5]) end
local cap = tonumber(ARGV[2])
if cap >= 0 then n = math.min(n, cap - reserving(KEYS[7], now, ttl, tonumber(ARGV[4]), tonumber(ARGV[5]))) end
if n <= 0 then return {1, cursor, 0} end

-- Tickets cursor+1 .. cursor+n: first from the drawn list, then from the late list.
local ids = {}
local last = cursor + n
if cursor < drawSize then
  ids = redis.call('LRANGE', KEYS[2], cursor, math.min(last, drawSize) - 1)
end
if last > drawSize then
  local fromLate = redis.call('LRANGE', KEYS[3], math.max(cursor - drawSize, 0), last - drawSize - 1)
  for _, id in ipairs(fromLate) do ids[#ids + 1] = id end
end

local expiresAt = now + ttl
local out = {1, last, expiresAt}
for i, entryId in ipairs(ids) do
  local nonce, tokenHash = ARGV[5 + 2 * i], ARGV[6 + 2 * i]
  redis.call('HSET', KEYS[5], tokenHash, entryId)
  writeGrant(KEYS[6], entryId, 'issued', expiresAt, nonce)
  redis.call('ZADD', KEYS[7], expiresAt, entryId)
  out[#out + 1] = entryId
  out[#out + 1] = readEntry(KEYS[4], entryId)
end
redis.call('HSET', KEYS[1], 'cursor', last)
return out
