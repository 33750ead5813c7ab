-- Milliseconds from the Redis clock rather than the caller's: every API node then agrees on
-- join times and token expiry, whatever its own clock says.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Lua 5.1 prints large numbers in exponent form; keys and packed values need plain digits.
local function digits(n)
  return string.format('%.0f', n)
end
