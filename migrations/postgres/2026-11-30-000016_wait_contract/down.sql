DROP TABLE escalation_contracts;
