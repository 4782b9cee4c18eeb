package io.flotilla.sandbox.hypershift;

import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** The simulated control plane of one hosted cluster: its etcd, TLS, working directory and restore state. */
final class ControlPlane {
  final String namespace;
  final String name;
  /** The HostedCluster's uid: a re-created HostedCluster of the same name gets a new control plane. */
  final String uid;
  final String controlPlaneNamespace;
  final Path dir;
  /** spec.etcd.managed.storage.restoreSnapshotURL as first seen; later changes are refused (docs/hypershift-facts.md §1.4). */
  final List<String> restoreUrlsAtCreation;
  final AtomicBoolean deleted = new AtomicBoolean();
  /** The URL etcd-init restores from; null when there is nothing to restore. */
  volatile RestoreSnapshotUrl restoreUrl;
  /** How etcd-init ended; null while it has not run (or when there is nothing to restore). */
  volatile RestoreOutcome restore;
  volatile EtcdTls tls;
  volatile EtcdProcess etcd;
  volatile boolean ready;
  volatile String failure;

  ControlPlane(String namespace, String name, String uid, String controlPlaneNamespace, Path dir,
               List<String> restoreUrlsAtCreation) {
    this.namespace = namespace;
    this.name = name;
    this.uid = uid;
    this.controlPlaneNamespace = controlPlaneNamespace;
    this.dir = dir;
    this.restoreUrlsAtCreation = restoreUrlsAtCreation;
  }

  /** The member directory EtcdLauncher uses: data/, tls/, etcd.log. */
  Path memberDir() { return dir.resolve(HostedControlPlaneController.ETCD_MEMBER); }
}
