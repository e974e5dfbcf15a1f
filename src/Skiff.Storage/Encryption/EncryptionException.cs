namespace Skiff.Storage.Encryption;

/// <summary>A stored value that no configured provider can decrypt (a missing or wrong key). The message names the key, never the value.</summary>
public sealed class EncryptionException(string message, Exception? inner = null) : Exception(message, inner);
