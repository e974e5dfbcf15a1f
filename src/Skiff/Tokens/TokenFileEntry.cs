namespace Skiff.Tokens;

/// <summary>One line of a static token file: a bearer token and the user it authenticates as.</summary>
internal sealed record TokenFileEntry(string Token, string User, string Uid, IReadOnlyList<string> Groups);
