namespace Skiff.Storage.Etcd;

/// <summary>An etcd failure (unreachable, timed out, rejected) while serving a store operation; the message names the key or prefix and the etcd endpoint.</summary>
public sealed class EtcdStoreException(string message, Exception? innerException) : Exception(message, innerException);
