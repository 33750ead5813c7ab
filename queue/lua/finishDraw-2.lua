--[[
  Ends the draw once every ticket 1..drawSize is written and opens the sale (phase live).

  KEYS[1]  meta (hash)
  KEYS[2]  drawn (list)
  ARGV[1]  orderDigest: SHA-256 over the entry ids in ticket order, published with the seed
  ARGV[2]  entriesDigest: SHA-256 over the pre-queue's entry ids in join order (the draw key's input)

  Returns 1 when this call finished the draw, 0 when it was finished already
  Errors: -1 not open, -3 wrong phase, -10 draw incomplete
]]
--@include codes
--@include clock
local meta = redis.call('HMGET', KEYS[1], 'phase', 'drawSize', 'drawnAt')
if not meta[1] then return ERR_NOT_OPEN end
if meta[3] then return 0 end
if meta[1] ~= 'drawing' then return ERR_WRONG_PHASE end
if redis.call('LLEN', KEYS[2]) ~= tonumber(meta[2]) then return ERR_DRAW_INCOMPLETE end
redis.call('HSET', KEYS[1], 'phase', 'live', 'drawnAt', digits(nowMs()), 'orderDigest', ARGV[1], 'entriesDigest', ARGV[2])
return 1
