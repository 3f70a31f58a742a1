-- @code
-----------------------------------------------------------------------------
-- Privileges: deny by default.  Runs last, so it covers every function above.
-----------------------------------------------------------------------------
-- Functions are executable by PUBLIC by default: take that back.  Each topic
-- file grants its own objects to the roles of roles.sql next to them; the
-- role table is in doc/security.md.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA dunning, dunning_internal FROM PUBLIC;
