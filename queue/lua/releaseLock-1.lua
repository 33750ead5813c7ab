--[[
  Releases a lock only if this caller still owns it: a scheduler whose lock expired while it
  was slow must not delete the lock another scheduler has taken since.

  KEYS[1]  lock (string holding the owner's token)
  ARGV[1]  owner token

  Returns 1 when released, 0 when the lock was gone or held by someone else
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
