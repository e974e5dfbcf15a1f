using Microsoft.Extensions.Logging;

namespace Skiff.Storage.Etcd;

public sealed partial class EtcdStore
{
    private static partial class Log
    {
        // Event IDs 60-79 belong to EtcdStore; highest in use: 63.
        [LoggerMessage(60, LogLevel.Information, "Opened etcd store {Endpoint} (key prefix '{KeyPrefix}') at revision {Revision}", EventName = "EtcdOpened")]
        public static partial void Opened(ILogger logger, string endpoint, string keyPrefix, long revision);

        [LoggerMessage(61, LogLevel.Warning, "etcd {Endpoint}: watch on prefix '{Prefix}' dropped ({Reason}); reconnecting from revision {Revision}", EventName = "EtcdWatchReconnecting")]
        public static partial void WatchReconnecting(ILogger logger, string endpoint, string prefix, long revision, string reason);

        [LoggerMessage(62, LogLevel.Error, "etcd {Endpoint}: periodic compaction failed; it is retried at the next interval", EventName = "EtcdPeriodicCompactionFailed")]
        public static partial void PeriodicCompactionFailed(ILogger logger, string endpoint, Exception ex);

        [LoggerMessage(63, LogLevel.Information, "etcd {Endpoint}: {What} was reset ({Reason}); retrying (attempt {Attempt})", EventName = "EtcdReadRetried")]
        public static partial void ReadRetried(ILogger logger, string endpoint, string what, string reason, int attempt);
    }
}
