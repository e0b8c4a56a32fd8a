DROP TABLE health_probes;
DROP TABLE leases;
