-- Negative return codes shared by every queue script; queue/errors.ts maps each to a named error.
local ERR_NOT_OPEN = -1          -- the event has no waiting room (not opened yet)
local ERR_CLOSED = -2            -- the waiting room is closed
local ERR_WRONG_PHASE = -3       -- the operation does not apply in the current phase
local ERR_ENTRY_ID_TAKEN = -4    -- the proposed entry id already exists (the caller retries with another)
local ERR_TOKEN_INVALID = -5     -- no such purchase token for this event
local ERR_TOKEN_WRONG_ACCOUNT = -6
local ERR_TOKEN_EXPIRED = -7
local ERR_TOKEN_USED = -8
local ERR_TOKEN_NOT_CLAIMED = -9 -- release of a token that is not currently claimed
local ERR_DRAW_INCOMPLETE = -10  -- finishing a draw before every ticket was written
local ERR_RATE_LIMITED = -11     -- too many calls in the current window (answered as {-11, retryAfterMs, scope})
