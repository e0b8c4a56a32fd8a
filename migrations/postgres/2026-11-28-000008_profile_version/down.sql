ALTER TABLE agents DROP COLUMN profile_version;
