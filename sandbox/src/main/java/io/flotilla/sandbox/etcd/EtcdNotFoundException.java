package io.flotilla.sandbox.etcd;

/** The etcd binary is not installed; the message tells the user how to fix that, in one line. */
public class EtcdNotFoundException extends RuntimeException {
  static final String MESSAGE = "etcd not found: install it with 'sudo apt-get install -y etcd-server' (Debian/Ubuntu)"
      + " or set FLOTILLA_ETCD to the etcd binary";

  public EtcdNotFoundException() { super(MESSAGE); }
}
