package io.flotilla.sandbox.hypershift;

import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/** The simulated control plane of one hosted cluster: its etcd, TLS and working directory. */
final class ControlPlane {
  final String namespace;
  final String name;
  final String controlPlaneNamespace;
  final Path dir;
  final AtomicBoolean deleted = new AtomicBoolean();
  volatile EtcdTls tls;
  volatile EtcdProcess etcd;
  volatile boolean ready;
  volatile String failure;

  ControlPlane(String namespace, String name, String controlPlaneNamespace, Path dir) {
    this.namespace = namespace;
    this.name = name;
    this.controlPlaneNamespace = controlPlaneNamespace;
    this.dir = dir;
  }
}
