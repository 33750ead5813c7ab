--[[
  Organizer and scheduler controls: pause or resume admission, close the room, and set or
  clear the sold-out flag (seats can come back when holds expire).

  KEYS[1]  meta (hash)
  ARGV[1]  action: pause | resume | close | soldout | available

  Returns {changed, phase, soldout}
    changed  1 if this call changed something (so callers announce each change once)
  Errors: -1 not open, -2 closed (nothing changes a closed room), -3 wrong phase
          (pause outside live, resume outside paused)
]]
--@include codes
--@include clock
local meta = redis.call('HMGET', KEYS[1], 'phase', 'soldout')
local phase, soldout = meta[1], meta[2]
if not phase then return ERR_NOT_OPEN end
local action = ARGV[1]
if phase == 'closed' then
  if action == 'close' then return {0, phase, soldout} end
  return ERR_CLOSED
end
local changed = 1
if action == 'pause' then
  if phase == 'paused' then changed = 0 elseif phase ~= 'live' then return ERR_WRONG_PHASE end
  phase = 'paused'
elseif action == 'resume' then
  if phase == 'live' then changed = 0 elseif phase ~= 'paused' then return ERR_WRONG_PHASE end
  phase = 'live'
elseif action == 'close' then
  phase = 'closed'
  redis.call('HSET', KEYS[1], 'closedAt', digits(nowMs()))
elseif action == 'soldout' or action == 'available' then
  local flag = action == 'soldout' and '1' or '0'
  if soldout == flag then changed = 0 end
  soldout = flag
else
  return redis.error_reply('unknown action ' .. action)
end
redis.call('HSET', KEYS[1], 'phase', phase, 'soldout', soldout)
return {changed, phase, soldout}
