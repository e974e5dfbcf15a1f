namespace Skiff.Client.Cache;

/// <summary>How an informer lists, watches and resyncs.</summary>
public sealed class InformerOptions
{
    /// <summary>How often every cached object is delivered again as an update (zero: never). Level-triggered safety net.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.Zero;

    /// <summary>Items per LIST page (limit/continue), as client-go's reflector pages its initial list.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Server-side watch timeout; client-go picks 5–10 minutes at random so watches do not all end together.</summary>
    public TimeSpan MinWatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First delay after a failed list or watch; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
