namespace Skiff.Api.Selectors;

/// <summary>One term of a field selector: <c>Field=Value</c> or <c>Field!=Value</c>.</summary>
public sealed record FieldTerm(string Field, string Value, bool Equal);
