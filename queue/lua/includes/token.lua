-- Finds the grant behind a token hash and checks it belongs to the caller. Returns the
-- entry id and grant, or a negative code. Another account's token says nothing more than
-- that, whatever its state, so it cannot be used to probe someone else's turn.
local function lookupToken(tokensKey, grantsKey, entriesKey, tokenHash, accountId)
  local entryId = redis.call('HGET', tokensKey, tokenHash)
  if not entryId then return ERR_TOKEN_INVALID end
  local owner = readEntry(entriesKey, entryId)
  if owner ~= accountId then return ERR_TOKEN_WRONG_ACCOUNT end
  local grant = readGrant(grantsKey, entryId)
  if not grant then return ERR_TOKEN_INVALID end
  return entryId, grant
end
