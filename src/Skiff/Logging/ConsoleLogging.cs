using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Skiff.Logging;

/// <summary>The console logging of the <c>skiff</c> commands: one line per event, UTC timestamps, errors on stderr.</summary>
internal static class ConsoleLogging
{
    /// <summary>Creates the logger factory; dispose it before exit so queued lines are flushed.</summary>
    /// <param name="configure">More filters (e.g. a quieter category).</param>
    public static ILoggerFactory Create(LogLevel minimumLevel = LogLevel.Information, Action<ILoggingBuilder>? configure = null) =>
        LoggerFactory.Create(builder => Configure(builder
            .SetMinimumLevel(minimumLevel)
            // ASP.NET Core logs every request and connection at Information; only its problems matter here.
            .AddFilter("Microsoft", LogLevel.Warning)
            // The generic host logs a start failure with its stack trace and then rethrows it; the server
            // command reports expected failures (port in use) as one line and logs unexpected ones itself.
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical)
            .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Error)
            .AddSimpleConsole(options =>
            {
                // One event per line keeps logs greppable and lets tests wait for the ready line.
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                options.IncludeScopes = false;
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            }), configure));

    private static ILoggingBuilder Configure(ILoggingBuilder builder, Action<ILoggingBuilder>? configure)
    {
        configure?.Invoke(builder);
        return builder;
    }
}
