--[[
  One fan's view of the queue, read atomically so position and token agree.

  KEYS[1]  meta (hash)
  KEYS[2]  accounts (hash accountId -> entryId)
  KEYS[3]  entries (hash entryId -> joinedAt:accountId)
  KEYS[4]  ticketOf (hash entryId -> ticket number)
  KEYS[5]  grants (hash entryId -> state:expiresAt:nonce)
  ARGV[1]  accountId

  Returns {phase, soldout, cursor, drawSize, now, entryId, joinedAt, ticket, grantState,
           expiresAt, nonce}; entry fields are false when the account has not joined,
           ticket is 0 before the draw, grant fields false before admission.
  Errors: -1 not open
]]
--@include codes
--@include clock
--@include grants
--@include entries
local meta = redis.call('HMGET', KEYS[1], 'phase', 'soldout', 'cursor', 'drawSize')
if not meta[1] then return ERR_NOT_OPEN end
local out = {meta[1], meta[2], tonumber(meta[3]), tonumber(meta[4] or '0'), nowMs(), false, false, 0, false, 0, false}
local entryId = redis.call('HGET', KEYS[2], ARGV[1])
if not entryId then return out end
local _, joinedAt = readEntry(KEYS[3], entryId)
out[6], out[7] = entryId, joinedAt
out[8] = tonumber(redis.call('HGET', KEYS[4], entryId) or '0')
local grant = readGrant(KEYS[5], entryId)
if grant then out[9], out[10], out[11] = grant.state, grant.expiresAt, grant.nonce end
return out
