namespace Skiff;

/// <summary>
/// An expected failure (bad flag, port in use, unusable data directory): the command prints its message
/// as one line and exits with code 1, with no stack trace, because the user can act on the message alone.
/// </summary>
internal sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
