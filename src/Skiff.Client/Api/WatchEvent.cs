using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>One event of a watch stream: the object (absent for ERROR) or the error Status.</summary>
public sealed record WatchEvent<T>(WatchEventKind Type, T? Object, V1Status? Status = null)
    where T : class;
