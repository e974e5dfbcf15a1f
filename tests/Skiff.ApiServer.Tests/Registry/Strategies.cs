using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests.Registry;

/// <summary>Builds strategies bound to their catalog entry and runs the registry's create/update order on them.</summary>
internal static class Strategies
{
    public static TStrategy For<TStrategy, T>()
        where TStrategy : ResourceStrategy<T>, new()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Bind<TStrategy, T>(new TStrategy());

    /// <summary>Binds a strategy built with its own dependencies (a clock, say) to its catalog entry.</summary>
    public static TStrategy Bind<TStrategy, T>(TStrategy strategy)
        where TStrategy : ResourceStrategy<T>
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        strategy.Info = BuiltInResources.Resources.Single(r => r.Type == typeof(T));
        return strategy;
    }

    /// <summary>Default, PrepareForCreate, Validate, as the registry does on create.</summary>
    public static FieldErrors Create<T>(ResourceStrategy<T> strategy, T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.Uid ??= "0d1e2f3a-0000-4000-8000-000000000001";
        strategy.Default(obj);
        strategy.PrepareForCreate(obj);
        var errors = new FieldErrors();
        strategy.Validate(obj, errors);
        return errors;
    }

    /// <summary>Default, PrepareForUpdate, ValidateUpdate, as the registry does on update.</summary>
    public static FieldErrors Update<T>(ResourceStrategy<T> strategy, T obj, T old)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        strategy.Default(obj);
        strategy.PrepareForUpdate(obj, old);
        var errors = new FieldErrors();
        strategy.ValidateUpdate(obj, old, errors);
        return errors;
    }

    /// <summary>A deep copy through the API JSON, as a client's read-modify-write would make.</summary>
    public static T Copy<T>(T obj) => ApiJson.Deserialize<T>(ApiJson.Serialize(obj));

    public static DateTime Now { get; } = new(2025, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    public static V1ObjectMeta Meta(string name, string? ns = "default") =>
        new() { Name = name, NamespaceProperty = ns, CreationTimestamp = Now.AddMinutes(-5) };

    public static string Messages(FieldErrors errors) => string.Join("\n", errors.Select(e => e.ToString()));

    public static V1PodTemplateSpec Template(string restartPolicy = "Always", string image = "nginx:1.27") => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec
        {
            RestartPolicy = restartPolicy,
            Containers = [new V1Container { Name = "web", Image = image }],
        },
    };

    public static V1LabelSelector Selector(string app = "web") =>
        new() { MatchLabels = new Dictionary<string, string> { ["app"] = app } };
}
