namespace Skiff.Proxy.Nft;

/// <summary>nft refused a command; the message carries nft's own error text.</summary>
public sealed class NftException(string message) : Exception(message);
