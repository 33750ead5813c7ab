--[[
  Public figures of one waiting room, read atomically.

  KEYS[1]  meta (hash)
  KEYS[2]  accounts (hash)
  KEYS[3]  prequeue (list)
  KEYS[4]  drawn (list)
  KEYS[5]  late (list)
  KEYS[6]  outstanding (zset entryId by expiry)

  Returns {phase, soldout, entrants, prequeue, drawSize, drawWritten, late, cursor,
           outstanding, expiredTokens, claimedTokens, commitment, openedAt, drawnAt, revealedAt,
           settledTokens}
    outstanding    tokens issued, unclaimed and unexpired (they may still buy seats)
    expiredTokens  tokens that expired unused, including ones not swept yet
    settledTokens  claimed tokens whose hold committed (settleToken-5): a scheduler reads it
                   before it counts the unsold seats, and hands it to admitNext-7
  Errors: -1 not open
]]
--@include codes
--@include clock
local m = redis.call('HMGET', KEYS[1], 'phase', 'soldout', 'drawSize', 'cursor', 'expiredTokens',
  'claimedTokens', 'commitment', 'openedAt', 'drawnAt', 'revealedAt', 'settledTokens')
if not m[1] then return ERR_NOT_OPEN end
local now = digits(nowMs())
local unswept = redis.call('ZCOUNT', KEYS[6], '(0', now) -- settled ones are below 0
return {
  m[1], m[2], redis.call('HLEN', KEYS[2]), redis.call('LLEN', KEYS[3]), tonumber(m[3] or '0'),
  redis.call('LLEN', KEYS[4]), redis.call('LLEN', KEYS[5]), tonumber(m[4]),
  redis.call('ZCOUNT', KEYS[6], '(' .. now, '+inf'), tonumber(m[5]) + unswept, tonumber(m[6]),
  m[7], tonumber(m[8]), tonumber(m[9] or '0'), tonumber(m[10] or '0'), tonumber(m[11] or '0'),
}
