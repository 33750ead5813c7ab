--[[
  Counts one hit against a fixed-window rate limit.

  KEYS[1]  the limit's counter key
  ARGV[1]  limit (hits allowed per window)
  ARGV[2]  window length in milliseconds

  Returns {allowed, count, retryAfterMs}
    allowed       1 if this hit is within the limit, 0 if refused
    count         hits in the current window, this one included
    retryAfterMs  milliseconds until the window resets (0 when allowed)
]]
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local limit = tonumber(ARGV[1])
if count <= limit then
  return {1, count, 0}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  -- A counter without expiry would refuse forever; give it its window back.
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {0, count, ttl}
