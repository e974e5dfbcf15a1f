using Microsoft.Extensions.Logging;

namespace Skiff.Cli.Tests.Support;

/// <summary>Collects formatted log lines of every category, for tests that check what a command reports.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly List<(string Category, string Line)> _lines = [];

    /// <summary>Every line so far, as "Level: message".</summary>
    public IReadOnlyList<string> Lines => Snapshot().Select(e => e.Line).ToArray();

    /// <summary>The lines of loggers whose category starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> LinesOf(string prefix) =>
        Snapshot().Where(e => e.Category.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e.Line).ToArray();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private (string Category, string Line)[] Snapshot()
    {
        lock (_lines)
        {
            return _lines.ToArray();
        }
    }

    private void Add(string category, string line)
    {
        lock (_lines)
        {
            _lines.Add((category, line));
        }
    }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(category, $"{logLevel}: {formatter(state, exception)}");
    }
}
