--[[
  Gives a claimed token back to its owner after a hold failed for a reason the fan can fix
  (a seat was just taken): it is usable again until its original expiry, never longer.
  With ARGV[3] = '1' it also reserves its share of the unsold seats again, as when it was
  issued. With '0' (the hold found nothing left to sell) it stays usable but reserves nothing:
  seats that come back then go to the next fans in line as well, instead of waiting, unsold,
  for a token whose fan was told "sold out" and may have gone. Such a token, if it lapses
  unclaimed, is not counted in expiredTokens (it left the outstanding set here).

  KEYS[1]  meta (hash)
  KEYS[2]  tokens (hash tokenHash -> entryId)
  KEYS[3]  grants (hash entryId -> state:expiresAt:nonce)
  KEYS[4]  outstanding (zset entryId by expiry)
  KEYS[5]  entries (hash entryId -> joinedAt:accountId)
  ARGV[1]  SHA-256 of the token, hex
  ARGV[2]  accountId of the caller
  ARGV[3]  '1' keep reserving its share of the seats, '0' not

  Returns {1, entryId, expiresAt}
  Errors: -1 not open, -5 unknown token, -6 another account's token, -7 expired meanwhile,
          -9 not claimed
]]
--@include codes
--@include clock
--@include grants
--@include entries
--@include token
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR_NOT_OPEN end
local entryId, grant = lookupToken(KEYS[2], KEYS[3], KEYS[5], ARGV[1], ARGV[2])
if not grant then return entryId end
if grant.state ~= 'claimed' then return ERR_TOKEN_NOT_CLAIMED end
redis.call('HINCRBY', KEYS[1], 'claimedTokens', -1)
if nowMs() >= grant.expiresAt then
  -- Too late to reuse: it expires here and gives its share back (it reserved nothing while claimed).
  writeGrant(KEYS[3], entryId, 'expired', grant.expiresAt, grant.nonce)
  redis.call('ZREM', KEYS[4], entryId) -- its claim window, if still open (claimToken-6)
  redis.call('HINCRBY', KEYS[1], 'expiredTokens', 1)
  return ERR_TOKEN_EXPIRED
end
writeGrant(KEYS[3], entryId, 'issued', grant.expiresAt, grant.nonce)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[4], grant.expiresAt, entryId)
else
  redis.call('ZREM', KEYS[4], entryId) -- its claim window (claimToken-6)
end
return {1, entryId, grant.expiresAt}
