namespace Skiff.Proxy.Rules;

/// <summary>One backend of a service port: pod address and target port, and whether it runs on this node.</summary>
internal sealed record ProxyEndpoint(string Address, int Port, bool IsLocal);
