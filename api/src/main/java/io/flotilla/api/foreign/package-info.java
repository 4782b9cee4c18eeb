/**
 * Foreign APIs: the subset of HyperShift, Cluster API, the Agent CAPI provider and Hive that Flotilla reads or
 * writes, with exactly the fields named in docs/hypershift-facts.md, and of Open Cluster Management's kinds
 * ({@code foreign.ocm}, docs/ocm-facts.md §I5). These are not Flotilla's kinds; a real management cluster or hub has
 * the real CRDs. The generated CRDs are served by the sandbox only. Every spec and status keeps the fields we do not
 * model ({@link io.flotilla.api.foreign.Unmodelled}) so a read-modify-write never drops what their owners put there.
 */
package io.flotilla.api.foreign;
