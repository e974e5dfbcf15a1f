namespace Skiff.Api.Patch;

/// <summary>A patch that cannot be applied. <see cref="Unprocessable"/> distinguishes a well-formed patch that failed (422) from a malformed one (400).</summary>
public sealed class PatchException(string message, bool unprocessable = false) : Exception(message)
{
    public bool Unprocessable { get; } = unprocessable;
}
