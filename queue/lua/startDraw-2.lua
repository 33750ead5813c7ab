--[[
  Starts the lottery draw, or resumes one that a crashed process left half written. Freezes
  the pre-queue: its length becomes the draw size and later joiners queue behind it.

  KEYS[1]  meta (hash)
  KEYS[2]  prequeue (list)

  Returns {status, drawSize, seed}
    status  1 started by this call, 0 already in progress (resume it), 2 already finished
  Errors: -1 not open, -2 closed, -3 wrong phase (never happens after a finished draw: that is status 2)
]]
--@include codes
--@include clock
local meta = redis.call('HMGET', KEYS[1], 'phase', 'drawSize', 'seed', 'drawnAt')
local phase = meta[1]
if not phase then return ERR_NOT_OPEN end
if meta[4] then return {2, tonumber(meta[2]), meta[3]} end
if phase == 'drawing' then return {0, tonumber(meta[2]), meta[3]} end
if phase == 'closed' then return ERR_CLOSED end
if phase ~= 'prequeue' then return ERR_WRONG_PHASE end
local size = redis.call('LLEN', KEYS[2])
redis.call('HSET', KEYS[1], 'phase', 'drawing', 'drawSize', size, 'drawStartedAt', digits(nowMs()))
return {1, size, meta[3]}
