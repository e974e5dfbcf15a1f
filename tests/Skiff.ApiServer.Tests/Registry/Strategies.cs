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
        new() { Info = BuiltInResources.Resources.First(r => r.Type == typeof(T)) };

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

    public static T Clone<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));

    public static DateTime Now { get; } = new(2025, 5, 1, 12, 0, 0, DateTimeKind.Utc);

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
