namespace Skiff.Controllers.LocalPath;

/// <summary>Where the local-path provisioner keeps volume directories and which node it serves.</summary>
internal sealed class LocalPathOptions
{
    /// <summary>The directory volume directories are created in (<c>&lt;data dir&gt;/storage</c> for <c>skiff server</c>).</summary>
    public required string StorageDirectory { get; init; }

    /// <summary>The node whose disk the storage directory is on: volumes of other nodes are not created or removed here.</summary>
    public required string NodeName { get; init; }
}
