-- An agent may hand a conversation back to the chatbot with a summary instead of resolving it:
-- it ends like a resolution (capacity freed, paid the same) but the platform is told to take
-- the conversation back, and metrics count the two apart.
ALTER TABLE escalations ADD COLUMN handed_back BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE escalations ADD COLUMN hand_back_summary TEXT;
