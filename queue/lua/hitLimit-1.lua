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
--@include window
local allowed, count, retryAfterMs = hitWindow(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {allowed and 1 or 0, count, retryAfterMs}
