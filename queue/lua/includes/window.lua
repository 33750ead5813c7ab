-- Fixed-window counting shared by the rate-limit scripts.
-- Counts one hit on `key` (a counter that expires with its window) and answers
-- allowed (true/false), count, and the milliseconds until the window resets (0 when allowed).
local function hitWindow(key, limit, windowMs)
  local count = redis.call('INCR', key)
  if count == 1 then
    redis.call('PEXPIRE', key, windowMs)
  end
  if count <= limit then
    return true, count, 0
  end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    -- A counter without expiry would refuse forever; give it its window back.
    redis.call('PEXPIRE', key, windowMs)
    ttl = windowMs
  end
  return false, count, ttl
end
