namespace Skiff.ApiServer.Registry;

/// <summary>Finds unknown and duplicate fields in a request body for <c>fieldValidation</c>, with kube-apiserver's wording.</summary>
internal sealed class FieldChecker
{
    /// <summary>Problems in <paramref name="json"/> read as <paramref name="type"/>, e.g. <c>unknown field "spec.foo"</c>; empty when clean.</summary>
    public IReadOnlyList<string> Check(ReadOnlySpan<byte> json, Type type) => Skiff.Api.Schema.FieldValidator.Check(json, type);
}
