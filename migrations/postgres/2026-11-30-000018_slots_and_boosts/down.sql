DROP TABLE slot_bookings;
DROP TABLE coverage_slots;
DROP TABLE boosts;
