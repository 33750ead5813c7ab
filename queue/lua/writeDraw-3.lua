--[[
  Appends one chunk of the lottery order: the entries that get ticket numbers offset+1,
  offset+2, … The append happens only if exactly `offset` tickets are written so far, so a
  resumed or a racing second drawer can never write a ticket twice or leave a gap.

  KEYS[1]  meta (hash)
  KEYS[2]  drawn (list, index 0 = ticket 1)
  KEYS[3]  ticketOf (hash entryId -> ticket number)
  ARGV[1]  offset (tickets written before this chunk)
  ARGV[2…] entry ids in ticket order

  Returns {appended, written}
    appended  1 if this chunk was written, 0 if the list was not at `offset` (skipped)
    written   tickets written after this call
  Errors: -3 wrong phase (the draw is not in progress)
]]
--@include codes
if redis.call('HGET', KEYS[1], 'phase') ~= 'drawing' then return ERR_WRONG_PHASE end
local offset = tonumber(ARGV[1])
local written = redis.call('LLEN', KEYS[2])
if written ~= offset then return {0, written} end

-- unpack() is limited to a few thousand values, so commands go out in slices.
local SLICE = 1000
local ids, fields = {}, {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = offset + i - 1
  if #ids == SLICE or i == #ARGV then
    redis.call('RPUSH', KEYS[2], unpack(ids))
    redis.call('HSET', KEYS[3], unpack(fields))
    ids, fields = {}, {}
  end
end
return {1, offset + #ARGV - 1}
