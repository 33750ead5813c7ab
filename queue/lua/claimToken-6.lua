--[[
  Claims a purchase token for a seat hold: single use, bound to the account, before expiry.

  KEYS[1]  meta (hash)
  KEYS[2]  tokens (hash tokenHash -> entryId)
  KEYS[3]  grants (hash entryId -> state:expiresAt:nonce)
  KEYS[4]  outstanding (zset entryId by expiry)
  KEYS[5]  entries (hash entryId -> joinedAt:accountId)
  KEYS[6]  claims (list): the ms each recent claim had left on its token, newest first
  ARGV[1]  SHA-256 of the presented token, hex
  ARGV[2]  accountId of the caller
  ARGV[3]  claim window, ms: how long the claimed token keeps its share while its hold commits
  ARGV[4]  how many recent claims KEYS[6] keeps: the scheduler derives from them how long
           admitted fans take to come (its reserve window, admitNext-7)

  Returns {1, entryId, expiresAt}
  Errors: -1 not open, -2 closed, -5 unknown token, -6 another account's token,
          -7 expired, -8 already used
]]
--@include codes
--@include clock
--@include grants
--@include entries
--@include token
local phase = redis.call('HGET', KEYS[1], 'phase')
if not phase then return ERR_NOT_OPEN end
if phase == 'closed' then return ERR_CLOSED end
local entryId, grant = lookupToken(KEYS[2], KEYS[3], KEYS[5], ARGV[1], ARGV[2])
if not grant then return entryId end
if grant.state == 'claimed' then return ERR_TOKEN_USED end
if grant.state == 'expired' then return ERR_TOKEN_EXPIRED end
local now = nowMs()
if now >= grant.expiresAt then
  -- Expired but not swept yet: account for it now so its share of seats comes back.
  writeGrant(KEYS[3], entryId, 'expired', grant.expiresAt, grant.nonce)
  if redis.call('ZREM', KEYS[4], entryId) == 1 then redis.call('HINCRBY', KEYS[1], 'expiredTokens', 1) end
  return ERR_TOKEN_EXPIRED
end
writeGrant(KEYS[3], entryId, 'claimed', grant.expiresAt, grant.nonce)
-- A claimed token keeps its share of the unsold seats for as long as its hold can take to
-- commit (the API's request timeout): a tick in that window sees neither the token nor the
-- held seats, and would admit a fan for seats that are about to be gone. Once the hold has
-- committed, Postgres counts the seats; the sweep then drops the entry without expiring it.
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), entryId)
redis.call('HINCRBY', KEYS[1], 'claimedTokens', 1)
redis.call('LPUSH', KEYS[6], digits(grant.expiresAt - now))
redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[4]) - 1)
return {1, entryId, grant.expiresAt}
