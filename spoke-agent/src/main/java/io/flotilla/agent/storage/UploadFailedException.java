package io.flotilla.agent.storage;

import java.io.IOException;

/** The object store refused or failed an upload after the SDK's retries; the multipart upload has been aborted. */
public class UploadFailedException extends IOException {
  public UploadFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
