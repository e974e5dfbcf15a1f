using System.Reflection;

namespace Skiff.Api.Schema;

/// <summary>One JSON property of a model: its wire name, CLR property, value schema and Kubernetes field facts.</summary>
public sealed class ModelProperty
{
    internal ModelProperty(string jsonName, PropertyInfo clrProperty, int index)
    {
        JsonName = jsonName;
        ClrProperty = clrProperty;
        Index = index;
    }

    /// <summary>The name on the wire, e.g. <c>containers</c>.</summary>
    public string JsonName { get; }

    public PropertyInfo ClrProperty { get; }

    /// <summary>Position in <see cref="ModelSchema.Properties"/>; lets callers keep per-property bitsets.</summary>
    public int Index { get; }

    /// <summary>The schema of the property's value.</summary>
    public ModelSchema Schema { get; internal set; } = null!;

    /// <summary>Whether Kubernetes marks the field required (OpenAPI <c>required</c>).</summary>
    public bool Required { get; internal set; }

    /// <summary>Strategic-merge and apply semantics of the field; null when Kubernetes uses the defaults.</summary>
    public PatchMetadata? Patch { get; internal set; }

    /// <summary>For date-time values: true when the field is a metav1.MicroTime rather than a metav1.Time.</summary>
    public bool IsMicroTime { get; internal set; }

    public override string ToString() => $"{JsonName}: {Schema}";
}
