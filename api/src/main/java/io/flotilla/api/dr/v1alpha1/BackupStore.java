package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** An object-storage location for backups. The bucket, not the hub, is the source of truth for backups. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"bst"})
@AdditionalPrinterColumn(name = "Bucket", jsonPath = ".spec.bucket")
@AdditionalPrinterColumn(name = "Prefix", jsonPath = ".spec.prefix")
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".spec.endpoint")
@AdditionalPrinterColumn(name = "Encryption", jsonPath = ".spec.encryption.type")
@AdditionalPrinterColumn(name = "Active Key", jsonPath = ".status.activeKeyId")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BackupStore extends CustomResource<BackupStoreSpec, BackupStoreStatus> {
  public static final String GROUP = "dr.flotilla.io";
  public static final String VERSION = "v1alpha1";

  @Override
  protected BackupStoreSpec initSpec() { return new BackupStoreSpec(); }

  @Override
  protected BackupStoreStatus initStatus() { return new BackupStoreStatus(); }
}
