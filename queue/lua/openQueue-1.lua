--[[
  Opens an event's waiting room in the pre-queue phase with its lottery commitment. Opening
  twice is harmless: the first seed stays, so the published commitment never changes.

  KEYS[1]  meta (hash)
  ARGV[1]  seed (64 hex chars, secret until the reveal)
  ARGV[2]  commitment = SHA-256(seed), hex
  ARGV[3]  default purchase-token TTL in milliseconds

  Returns {created, commitment, phase}
    created  1 when this call opened the room, 0 when it was open already
]]
--@include clock
if redis.call('EXISTS', KEYS[1]) == 1 then
  local current = redis.call('HMGET', KEYS[1], 'commitment', 'phase')
  return {0, current[1], current[2]}
end
redis.call('HSET', KEYS[1],
  'phase', 'prequeue', 'soldout', '0', 'seed', ARGV[1], 'commitment', ARGV[2],
  'tokenTtlMs', ARGV[3], 'openedAt', digits(nowMs()), 'cursor', '0',
  'expiredTokens', '0', 'claimedTokens', '0')
return {1, ARGV[2], 'prequeue'}
