namespace Skiff.Scheduler.Host;

/// <summary>Writes a strategic merge patch to a pod's status subresource; throws on failure.</summary>
internal interface IPodStatusPatcher
{
    Task PatchStatusAsync(string ns, string name, string strategicMergePatch, CancellationToken cancellationToken);
}
