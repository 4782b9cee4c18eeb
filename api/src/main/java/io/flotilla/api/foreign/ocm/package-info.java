/**
 * Open Cluster Management's kinds as Flotilla reads and writes them on an OCM/ACM hub, each at its storage version and
 * with only the fields Flotilla uses (docs/ocm-facts.md §I5). Everything else an object carries is kept
 * ({@link io.flotilla.api.foreign.Unmodelled}), so a read-modify-write never drops what OCM wrote. A field OCM's schema
 * does not know would be dropped by a real API server without a word, so {@code OcmSchemaConformanceTest} checks every
 * field these classes can emit, and every object under manifests/ocm/, against the schema facts in
 * api/src/test/resources/ocm/schema-shapes.yaml.
 */
package io.flotilla.api.foreign.ocm;
