-- Bumped whenever an agent's languages, skills, certifications or rates change, so each
-- instance can keep those facts in memory and reload only the agents whose version moved.
ALTER TABLE agents ADD COLUMN profile_version INTEGER NOT NULL DEFAULT 0;
