package io.flotilla.agent.storage;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An S3Client that delegates to a real one, records requests, and can fail one part number. */
final class FaultyS3 {
  final List<CreateMultipartUploadRequest> creates = new CopyOnWriteArrayList<>();
  final List<Integer> partsAttempted = new CopyOnWriteArrayList<>();
  volatile int failPart = -1;
  /** S3Proxy answers 501 to SSE headers: record the request as sent, then forward it without them. */
  volatile boolean stripSse;

  S3Client wrap(S3Client real) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (args != null && args.length > 0 && args[0] instanceof CreateMultipartUploadRequest create) {
        creates.add(create);
        if (stripSse) {
          args[0] = create.toBuilder().serverSideEncryption((String) null).ssekmsKeyId(null).build();
        }
      }
      if (method.getName().equals("uploadPart") && args[0] instanceof UploadPartRequest part) {
        partsAttempted.add(part.partNumber());
        if (part.partNumber() == failPart) {
          throw SdkClientException.create("injected failure on part " + part.partNumber());
        }
      }
      try {
        return method.invoke(real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, handler);
  }
}
