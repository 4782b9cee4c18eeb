/**
 * Foreign APIs: the subset of HyperShift, Cluster API, the Agent CAPI provider and Hive that Flotilla reads or
 * writes, with exactly the fields named in docs/hypershift-facts.md. These are not Flotilla's kinds; a real
 * management cluster has the real CRDs. The generated CRDs are served by the sandbox only. Every spec and status
 * keeps the fields we do not model ({@link io.flotilla.api.foreign.Unmodelled}) so a read-modify-write never drops
 * what HyperShift put there.
 */
package io.flotilla.api.foreign;
