using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests.Registry.Core;

/// <summary>Builds strategies bound to their catalog entries and runs them the way the registry does.</summary>
internal static class CoreTestKit
{
    public static readonly DateTime Now = new(2025, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    public static TStrategy Bind<TStrategy, T>(TStrategy strategy)
        where TStrategy : ResourceStrategy<T>
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        strategy.Info = BuiltInResources.Resources.Single(r => r.Type == typeof(T));
        return strategy;
    }

    /// <summary>Default, PrepareForCreate, Validate: the registry's create sequence.</summary>
    public static FieldErrors Create<T>(ResourceStrategy<T> strategy, T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var errors = new FieldErrors();
        strategy.Default(obj);
        strategy.PrepareForCreate(obj);
        strategy.Validate(obj, errors);
        return errors;
    }

    /// <summary>Default, PrepareForUpdate, ValidateUpdate: the registry's update sequence.</summary>
    public static FieldErrors Update<T>(ResourceStrategy<T> strategy, T obj, T old)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var errors = new FieldErrors();
        strategy.Default(obj);
        strategy.PrepareForUpdate(obj, old);
        strategy.ValidateUpdate(obj, old, errors);
        return errors;
    }

    /// <summary>A deep copy through the API JSON, as a client's read-modify-write would make.</summary>
    public static T Copy<T>(T obj) => ApiJson.Deserialize<T>(ApiJson.Serialize(obj));

    public static V1ObjectMeta Meta(string name, string? ns = "default") =>
        new() { Name = name, NamespaceProperty = ns, CreationTimestamp = Now.AddMinutes(-5) };

    public static string Messages(FieldErrors errors) => string.Join("\n", errors.Select(e => e.ToString()));
}
