-- A purchase token granted to an entry is stored as `<state>:<expiresAtMs>:<nonce>` in the
-- grants hash. state: issued (waiting to be claimed), claimed (a hold is using it) or expired.
-- The nonce lets the engine re-derive the token for its owner; Redis alone cannot redeem it.
local function readGrant(grantsKey, entryId)
  local raw = redis.call('HGET', grantsKey, entryId)
  if not raw then return nil end
  local state, expiresAt, nonce = string.match(raw, '^(%a+):(%d+):(.*)$')
  return { state = state, expiresAt = tonumber(expiresAt), nonce = nonce }
end

local function writeGrant(grantsKey, entryId, state, expiresAt, nonce)
  redis.call('HSET', grantsKey, entryId, state .. ':' .. digits(expiresAt) .. ':' .. nonce)
end

-- Issued tokens past their expiry stop reserving seats: mark them expired and count them, at
-- most `limit` per call so one sweep never blocks Redis for long.
local function sweepExpired(metaKey, grantsKey, outstandingKey, now, limit)
  -- Settled tokens are scored below 0 (settleToken-5) and leave otherwise (admitNext-7).
  local ids = redis.call('ZRANGE', outstandingKey, '(0', digits(now), 'BYSCORE', 'LIMIT', 0, limit)
  local expired = 0
  for _, id in ipairs(ids) do
    local grant = readGrant(grantsKey, id)
    -- A claimed token only waited for its hold to commit (claimToken): it leaves, it did not expire.
    if grant and grant.state ~= 'claimed' then
      writeGrant(grantsKey, id, 'expired', grant.expiresAt, grant.nonce)
      expired = expired + 1
    end
    redis.call('ZREM', outstandingKey, id)
  end
  if expired > 0 then redis.call('HINCRBY', metaKey, 'expiredTokens', expired) end
  return #ids
end
