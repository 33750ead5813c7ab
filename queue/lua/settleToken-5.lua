--[[
  Ends a claimed token's claim window early, once its hold has committed: from then on
  Postgres counts the held seats, so the token must stop reserving its share here too or the
  scheduler would count the same seats twice and admit too few fans. Without this call the
  window ends on its own (claimToken-6); the call only makes it end as soon as it can.

  As soon as it can is not at once: a scheduler may have counted the unsold seats in Postgres
  just before this hold committed, and reach admitNext-7 just after this call. So the token
  stays in the set, scored minus its settle number (meta's settledTokens, counted up here),
  and keeps its share until a scheduler that read settledTokens before its Postgres read
  passes that number to admitNext-7, which drops it then.

  KEYS[1]  meta (hash)
  KEYS[2]  tokens (hash tokenHash -> entryId)
  KEYS[3]  grants (hash entryId -> state:expiresAt:nonce)
  KEYS[4]  outstanding (zset entryId by expiry)
  KEYS[5]  entries (hash entryId -> joinedAt:accountId)
  ARGV[1]  SHA-256 of the token, hex
  ARGV[2]  accountId of the caller

  Returns {settled, entryId}
    settled  1 if the claim window was still open, 0 if it had already ended
  Errors: -1 not open, -5 unknown token, -6 another account's token, -9 not claimed
]]
--@include codes
--@include grants
--@include entries
--@include token
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR_NOT_OPEN end
local entryId, grant = lookupToken(KEYS[2], KEYS[3], KEYS[5], ARGV[1], ARGV[2])
if not grant then return entryId end
if grant.state ~= 'claimed' then return ERR_TOKEN_NOT_CLAIMED end
local score = redis.call('ZSCORE', KEYS[4], entryId)
-- Its window ended already, or it was settled before.
if not score or tonumber(score) < 0 then return {0, entryId} end
redis.call('ZADD', KEYS[4], -redis.call('HINCRBY', KEYS[1], 'settledTokens', 1), entryId)
return {1, entryId}
