-- A statement that refuses itself: palisade_refuse(what) raises SQLSTATE PA001 with `what` as its message. A
-- write sent with its transaction in one round trip (BEGIN, the statement, COMMIT) cannot be rolled back by the
-- service after it has read the result, so the statement checks what it wrote and refuses itself instead: the
-- error undoes the whole statement, and the COMMIT sent behind it rolls back.
CREATE FUNCTION palisade_refuse(what text) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PA001', MESSAGE = what;
END
$$;
