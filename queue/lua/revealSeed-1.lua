--[[
  Reveals the lottery seed once the draw is finished, so anyone can recompute the order.

  KEYS[1]  meta (hash)

  Returns {seed, commitment, drawSize, orderDigest, drawnAt, entriesDigest}
  Errors: -1 not open, -3 wrong phase (not drawn yet)
]]
--@include codes
--@include clock
local meta = redis.call('HMGET', KEYS[1], 'phase', 'seed', 'commitment', 'drawSize', 'orderDigest', 'drawnAt', 'revealedAt', 'entriesDigest')
if not meta[1] then return ERR_NOT_OPEN end
if not meta[6] then return ERR_WRONG_PHASE end
if not meta[7] then redis.call('HSET', KEYS[1], 'revealedAt', digits(nowMs())) end
return {meta[2], meta[3], tonumber(meta[4]), meta[5], tonumber(meta[6]), meta[8]}
