namespace Skiff.Storage.Sqlite;

/// <summary>One request queued for the writer, completed after the transaction holding it has committed.</summary>
internal sealed class WriteOp(WriteOpKind kind, string key, byte[]? value, long revision, CancellationToken cancellationToken)
{
    public WriteOpKind Kind { get; } = kind;

    public string Key { get; } = key;

    /// <summary>A private copy of the caller's bytes, so events can share it safely.</summary>
    public byte[]? Value { get; } = value;

    /// <summary>The expected mod revision (update, delete) or the target revision (compact).</summary>
    public long Revision { get; } = revision;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    // Continuations must not run on the writer: it would stall every other write behind the caller's code.
    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The outcome computed inside the transaction, handed out only once it has committed.</summary>
    public WriteResult Result { get; set; }
}
