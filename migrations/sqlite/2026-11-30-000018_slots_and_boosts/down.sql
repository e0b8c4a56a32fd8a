DROP TABLE boost_alerts;
DROP TABLE slot_bookings;
DROP TABLE coverage_slots;
DROP TABLE boosts;
