package io.flotilla.sandbox.etcd;

import io.flotilla.sandbox.tls.Pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The mTLS material of one etcd: its own CA, a server certificate for loopback and one client certificate.
 * Every hosted cluster gets a fresh CA, as HyperShift does (a client of one cluster's etcd cannot talk to another).
 */
public record EtcdTls(String caPem, String serverCertPem, String serverKeyPem, String clientCertPem, String clientKeyPem) {
  public static final String CA_FILE = "ca.crt";
  public static final String CLIENT_CERT_FILE = "etcd-client.crt";
  public static final String CLIENT_KEY_FILE = "etcd-client.key";
  static final String SERVER_CERT_FILE = "server.crt";
  static final String SERVER_KEY_FILE = "server.key";

  public static EtcdTls generate(String commonName) {
    Pki.Issued ca = Pki.newCa(commonName + "-etcd-signer");
    Pki.Issued server = Pki.newServer(ca, commonName + "-etcd-server", List.of());
    Pki.Issued client = Pki.newClient(ca, commonName + "-etcd-client");
    return new EtcdTls(ca.certificatePem(), server.certificatePem(), server.privateKeyPem(),
        client.certificatePem(), client.privateKeyPem());
  }

  /** Writes ca.crt, etcd-client.crt and etcd-client.key (the key readable by the owner only). */
  public void writeClientFiles(Path dir) {
    write(dir, CA_FILE, caPem, false);
    write(dir, CLIENT_CERT_FILE, clientCertPem, false);
    write(dir, CLIENT_KEY_FILE, clientKeyPem, true);
  }

  /** Writes the files etcd itself needs: ca.crt, server.crt and server.key. */
  void writeServerFiles(Path dir) {
    write(dir, CA_FILE, caPem, false);
    write(dir, SERVER_CERT_FILE, serverCertPem, false);
    write(dir, SERVER_KEY_FILE, serverKeyPem, true);
  }

  private static void write(Path dir, String name, String content, boolean secret) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name);
      Files.writeString(file, content);
      if (secret && Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + " to " + dir, e);
    }
  }

  /** Keeps keys out of logs and exception messages. */
  @Override
  public String toString() { return "EtcdTls[<redacted>]"; }
}
