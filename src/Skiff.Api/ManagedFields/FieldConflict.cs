namespace Skiff.Api.ManagedFields;

/// <summary>A field an apply would change that another manager owns.</summary>
public sealed record FieldConflict(string Manager, string Path);
