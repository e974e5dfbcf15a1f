namespace Skiff.Client.Api;

/// <summary>A bearer token and the moment it stops being accepted.</summary>
public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt);
