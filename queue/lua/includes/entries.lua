-- Entries are stored as `<joinedAtMs>:<accountId>`; the time comes first because it has no
-- colon, so any account id (even one with colons) parses back unchanged.
local function readEntry(entriesKey, entryId)
  local raw = redis.call('HGET', entriesKey, entryId)
  if not raw then return nil, nil end
  local joinedAt, accountId = string.match(raw, '^(%d+):(.*)$')
  return accountId, tonumber(joinedAt)
end
