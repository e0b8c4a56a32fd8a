// Converts Natural Earth 4.1.0 country boundaries (npm package world-atlas, TopoJSON) to the
// GeoJSON Handoff ships. Run once, from this folder, after `npm pack world-atlas topojson-client`
// and unpacking both tarballs into ./world-atlas and ./topojson-client:
//   node convert.cjs world-atlas/countries-50m.json > countries-50m.geojson
// Coordinates are rounded to 4 decimals (about 11 m), far finer than the 1:50m source.
const fs = require("fs");
const topojson = require("./topojson-client/dist/topojson-client.js");

const topology = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const collection = topojson.feature(topology, topology.objects.countries);
const round = (value) => (Array.isArray(value) ? value.map(round) : Math.round(value * 1e4) / 1e4);
// Rings cut at the antimeridian (eastern Russia, Fiji) jump from +180 to -180 and, read as flat
// coordinates, wrap around the whole map. Move their western half past +180 so each ring is one
// piece (Antarctica's ring circles the pole and is right as it is).
const unwrapRing = (ring) => {
  const lons = ring.map((c) => c[0]);
  const lats = ring.map((c) => c[1]);
  if (Math.max(...lons) - Math.min(...lons) <= 180 || Math.min(...lats) < -60) return ring;
  return ring.map(([lon, lat]) => [lon < 0 ? lon + 360 : lon, lat]);
};
const unwrap = (geometry) => {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const fixed = polygons.map((polygon) => polygon.map(unwrapRing));
  return geometry.type === "Polygon" ? fixed[0] : fixed;
};
const features = collection.features
  .filter((f) => f.id !== undefined && f.geometry)
  .map((f) => ({
    type: "Feature",
    id: f.id,
    properties: { numeric: f.id, name: f.properties.name },
    geometry: { type: f.geometry.type, coordinates: round(unwrap(f.geometry)) },
  }));
process.stdout.write(JSON.stringify({ type: "FeatureCollection", features }));
