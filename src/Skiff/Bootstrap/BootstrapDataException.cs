namespace Skiff.Bootstrap;

/// <summary>The cluster's bootstrap data in the datastore cannot be used: unreadable, sealed with another token, or altered.</summary>
internal sealed class BootstrapDataException : Exception
{
    public BootstrapDataException(string message)
        : base(message)
    {
    }

    public BootstrapDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
