ALTER TABLE escalations DROP COLUMN hand_back_summary;
ALTER TABLE escalations DROP COLUMN handed_back;
