using Microsoft.Extensions.Logging;

namespace Skiff.Server;

// Event ids 100-199 belong to the server command; highest in use: 110.
internal sealed partial class ServerCommand
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Starting Skiff: data directory {DataDir}, SQLite datastore {DatabasePath}")]
    private static partial void LogStarting(ILogger logger, string dataDir, string databasePath);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Starting Skiff: data directory {DataDir}, etcd datastore {Endpoints} (key prefix '{KeyPrefix}')")]
    private static partial void LogStartingEtcd(ILogger logger, string dataDir, string endpoints, string keyPrefix);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Wrote the admin kubeconfig {Path}")]
    private static partial void LogWroteKubeconfig(ILogger logger, string path);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Node agent disabled (--disable-agent): this server runs no pods")]
    private static partial void LogAgentDisabled(ILogger logger);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Skiff is ready: API server at {Url}, kubeconfig {Kubeconfig}")]
    private static partial void LogReady(ILogger logger, string url, string kubeconfig);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Stopping Skiff")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Skiff stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 108, Level = LogLevel.Critical, Message = "Skiff failed")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogFatal(ILogger logger, string message);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "The {Component} stopped with an error; restarting it in {DelaySeconds} s")]
    private static partial void LogComponentFailed(ILogger logger, string component, double delaySeconds, Exception exception);
}
