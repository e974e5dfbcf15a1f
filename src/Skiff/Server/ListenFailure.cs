using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Skiff.Server;

/// <summary>Recognizes the expected ways a listen can fail, so they are reported as one line instead of a stack trace.</summary>
internal static class ListenFailure
{
    /// <summary>A short reason when <paramref name="exception"/> (or one it wraps) is a bind failure; otherwise null.</summary>
    public static string? Describe(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case AddressInUseException:
                    return "address already in use";
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return "address already in use";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return "the address is not one of this machine's";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return "permission denied (ports below 1024 need root)";
                case AggregateException aggregate when aggregate.InnerExceptions.Count == 1:
                    return Describe(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }
}
