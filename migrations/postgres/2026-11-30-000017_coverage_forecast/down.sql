DROP TABLE coverage_forecasts;
