using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

/// <summary>An in-memory <see cref="IKubeletObjectSource"/> for tests; objects can be replaced between calls.</summary>
internal sealed class FakeObjectSource : IKubeletObjectSource
{
    public Dictionary<(string Ns, string Name), V1ConfigMap> ConfigMaps { get; } = [];
    public Dictionary<(string Ns, string Name), V1Secret> Secrets { get; } = [];
    public Dictionary<(string Ns, string Name), V1PersistentVolumeClaim> Claims { get; } = [];
    public Dictionary<string, V1PersistentVolume> Volumes { get; } = [];
    public int Calls { get; private set; }

    public FakeObjectSource AddConfigMap(string ns, string name, Dictionary<string, string>? data, Dictionary<string, byte[]>? binary = null)
    {
        ConfigMaps[(ns, name)] = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Data = data, BinaryData = binary };
        return this;
    }

    public FakeObjectSource AddSecret(string ns, string name, Dictionary<string, string> data)
    {
        Secrets[(ns, name)] = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Data = data.ToDictionary(kv => kv.Key, kv => System.Text.Encoding.UTF8.GetBytes(kv.Value)),
        };
        return this;
    }

    public Task<V1ConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(ConfigMaps.GetValueOrDefault((@namespace, name)));
    }

    public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Secrets.GetValueOrDefault((@namespace, name)));
    }

    public Task<V1PersistentVolumeClaim?> GetPersistentVolumeClaimAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(Claims.GetValueOrDefault((@namespace, name)));

    public Task<V1PersistentVolume?> GetPersistentVolumeAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Volumes.GetValueOrDefault(name));
}
