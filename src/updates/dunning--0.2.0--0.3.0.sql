\echo Use "ALTER EXTENSION dunning UPDATE TO '0.3.0'" to load this file. \quit

-----------------------------------------------------------------------------
-- dunning 0.2.0 -> 0.3.0, hand part (see src/sql/README.md): what the schema
-- regions of the topic files have in 0.3.0 and 0.2.0 did not (new schemas,
-- tables, columns, indexes; data moved into them), and the drops of objects
-- that cannot be replaced in place.  The code regions of every topic file
-- (functions, views, triggers, comments, grants) follow at the marker.
-----------------------------------------------------------------------------
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';

-- @code regions
