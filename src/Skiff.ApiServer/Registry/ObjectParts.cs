using System.Reflection;
using k8s;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Typed access to the <c>spec</c> and <c>status</c> of a model type, found once by reflection, so the
/// generic registry can keep status on main updates and spec on status updates for every resource.
/// </summary>
internal static class ObjectParts<T>
{
    private static readonly PropertyInfo? SpecProperty = typeof(T).GetProperty("Spec");
    private static readonly PropertyInfo? StatusProperty = typeof(T).GetProperty("Status");

    public static object? GetSpec(T obj) => SpecProperty?.GetValue(obj);

    public static void SetSpec(T obj, object? value) => SpecProperty?.SetValue(obj, value);

    public static object? GetStatus(T obj) => StatusProperty?.GetValue(obj);

    public static void SetStatus(T obj, object? value) => StatusProperty?.SetValue(obj, value);

    /// <summary>Whether the spec of two objects serializes differently (how generation bumps are decided).</summary>
    public static bool SpecChanged(T obj, T old)
    {
        if (SpecProperty is null)
        {
            return false;
        }

        return !ApiJson.SemanticEquals(SpecProperty.GetValue(obj), SpecProperty.GetValue(old));
    }
}
